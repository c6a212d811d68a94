//! vrs client
