//! Issue 15: containment — hostile and huge input through the binary (see tests/hostile.rs).
