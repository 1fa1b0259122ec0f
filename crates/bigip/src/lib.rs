//! BIG-IP configuration, read from what admins already have: the tmsh saved configuration
//! (`bigip.conf`, v11 and later, with v10 `class` blocks), into a typed, vendor-neutral
//! model that every later question is asked of.
//!
//! # Overview
//!
//! - [`parse`] reads a file's text into a [`Loaded`]: the [`Config`] and its warnings.
//!   Errors and warnings are [`FileProblems`]: each [`Problem`] has a line, a column and a
//!   hint, and renders as a `miette` report with the source snippet.
//! - [`Config`] holds virtual servers, pools and members, nodes, monitors, data groups,
//!   SNAT pools and translations, origin SNATs, persistence profiles, iRules (raw Tcl with
//!   their place in the file, for the iRule engine), self IPs, VLANs and route domains.
//! - Nothing is dropped silently: an object or attribute that relaylab does not model is
//!   kept in [`Config::unmodelled`] and reported as a warning with its line. A reference to
//!   a pool, iRule, monitor, snatpool or persistence profile that does not exist is an
//!   error pointing at the reference.
//!
//! ```
//! let text = r#"
//! ltm pool /Common/smtp_pool { members { /Common/10.0.1.11:25 { address 10.0.1.11 } } }
//! ltm virtual /Common/SMTP_VS {
//!     destination /Common/10.0.0.10:25
//!     pool /Common/smtp_pool
//!     source-address-translation { type automap }
//! }
//! "#;
//! let loaded = bigip::parse("bigip.conf", text).unwrap();
//! let vs = &loaded.config.virtuals["/Common/SMTP_VS"];
//! assert_eq!(vs.destination.unwrap().to_string(), "10.0.0.10:25");
//! assert_eq!(vs.source_translation, bigip::SourceTranslation::Automap);
//!
//! let broken = bigip::parse("bigip.conf", "ltm virtual /Common/v { destination /Common/10.0.0.10:25 pool /Common/smtp_pol }");
//! let err = broken.unwrap_err();
//! assert_eq!(err.problems[0].line, 1);
//! assert!(err.to_string().contains("does not exist"));
//! ```

pub mod decide;
mod diag;
mod load;
mod model;
pub mod show;
pub mod snat;
pub mod syntax;

pub use diag::{FileProblems, Level, LineIndex, Problem, SourcedProblem};
pub use load::{
    Loaded, LoadedFiles, attach_external_file, full_name, parse, parse_endpoint,
    parse_external_file, parse_files,
};
pub use model::*;
