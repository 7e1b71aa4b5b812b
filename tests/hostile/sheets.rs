//! Issue 15: sheets — hostile and huge input through the binary (see tests/hostile.rs).
