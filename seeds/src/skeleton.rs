//! Skeleton pixel graph (seed 000, skan).
