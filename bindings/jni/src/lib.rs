//! JNI entry points of sfjwt (work in progress).
