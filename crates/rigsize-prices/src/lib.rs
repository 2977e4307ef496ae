//! rigsize-prices (work in progress).
