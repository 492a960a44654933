//! C ABI of sfjwt (work in progress).
