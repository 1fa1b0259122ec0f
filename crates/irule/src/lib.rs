//! The iRule engine: a Tcl 8.4-dialect lexer, parser and interpreter with BIG-IP's F5
//! commands behind a host trait, and taint tracking of the client address.
//!
//! This first slice holds the data-group model that the BIG-IP parser fills and the
//! `class` commands read.

pub mod datagroup;
