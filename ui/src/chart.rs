//! Charts drawn as SVG on the server: no script, no library in the browser, and the
//! numbers a chart shows are in the page as a table beside it.
