//! PyO3 module sfjwt._native (work in progress).
