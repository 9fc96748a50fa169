//! Helpers shared by the integration tests.

pub mod stencil_reference;
