//! Issue 15: templates — hostile and huge input through the binary (see tests/hostile.rs).
