//! vrs node
