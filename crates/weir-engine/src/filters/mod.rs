//! Filters that need neither sockets nor JavaScript. Dynamic parts (a condition, a chosen
//! pipeline) come in as closures built by the script layer.
//!
//! The JS name → factory table lives in `weir-script` (`filters.rs`); each filter type here is
//! named after its PipyJS method.

pub mod chain;
pub mod dummy;
pub mod dump;
pub mod fork_join;
pub mod http;
pub mod link;
pub mod loop_;
pub mod pipe;
pub mod read;
pub mod repeat;
pub mod replay;
pub mod split;
pub mod swap;
pub mod tee;
pub mod throttle;

use std::rc::Rc;

use crate::event::Event;
use crate::pipeline::{FilterCx, Layout};

/// A condition evaluated by a filter; `None` means the evaluation failed (the stream ends
/// with `RuntimeError`, the failure already logged).
pub type Condition = Rc<dyn Fn(&FilterCx, &Event) -> Option<bool>>;

/// Picks a sub-pipeline at run time; `Ok(None)` means "none": events pass through.
pub type Chooser = Rc<dyn Fn(&FilterCx, &Event) -> Result<Option<Rc<Layout>>, ()>>;
