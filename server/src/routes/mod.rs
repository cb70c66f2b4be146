//! The HTTP API, one module per resource.

pub mod analysis;
pub mod assignment_upload;
pub mod assignments;
pub mod audit;
pub mod design;
pub mod disclosure;
pub mod doctor;
pub mod health;
pub mod microdata;
pub mod pairing;
pub mod params;
pub mod releases;
pub mod results;
pub mod retention;
pub mod review;
pub mod session;
pub mod shell;
pub mod submissions;
pub mod surveys;
pub mod users;
pub mod visits;
