//! What a kernel body does with its relatively indexed parameters.

pub mod access;
pub mod linear;
pub mod varying;
