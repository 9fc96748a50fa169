//! Softmax (seed 001).
