//! Issue 15: batch — hostile and huge input through the binary (see tests/hostile.rs).
