//! `split(separator)`: cuts a byte stream into messages at a separator.
//!
//! As in Pipy, the separator itself is dropped, every separator closes a message (an empty
//! one between two adjacent separators), and the end of the input (an input `MessageEnd` or
//! the `StreamEnd`) closes the last message, even when nothing came after the last
//! separator: `"a\nb\n"` gives `"a"`, `"b"` and an empty message. Input message boundaries
//! are not kept. A separator given as a function is evaluated per run of Data (after an
//! input `MessageEnd`, the next Data evaluates it again).
//!
//! Consumes: every event. Emits: `MessageStart`, `Data`, `MessageEnd` per piece, then the
//! input's `StreamEnd` (or `StreamEnd('RuntimeError')` if the separator function fails).

use std::rc::Rc;

use crate::data::Data;
use crate::event::{ErrorCode, Event, MessageEnd, MessageStart};
use crate::pipeline::{Filter, FilterCx, FilterFactory};

/// The longest separator accepted (as in Pipy).
pub const MAX_SEPARATOR: usize = 1024;

/// Works out the separator for one run (`Err`: the script failed, already logged).
pub type SeparatorFn = Rc<dyn Fn(&FilterCx) -> Result<Vec<u8>, ()>>;

#[derive(Clone)]
pub enum Separator {
    Fixed(Rc<[u8]>),
    /// Evaluated per run.
    Dynamic(SeparatorFn),
}

pub struct Split {
    pub separator: Separator,
}

impl FilterFactory for Split {
    fn name(&self) -> &str {
        "split"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(SplitFilter {
            separator: self.separator.clone(),
            run: None,
            failed: false,
        })
    }
}

/// One run of Data being split.
struct Run {
    sep: Rc<[u8]>,
    /// Bytes not yet output: at most `sep.len() - 1` of them between calls (a possible
    /// start of the separator).
    pending: Data,
    /// A `MessageStart` has been output for the current piece.
    in_message: bool,
}

struct SplitFilter {
    separator: Separator,
    run: Option<Run>,
    failed: bool,
}

impl Run {
    fn piece(&mut self, cx: &FilterCx, data: Data) {
        if !self.in_message {
            self.in_message = true;
            cx.output(Event::MessageStart(MessageStart::default()));
        }
        if !data.is_empty() {
            cx.output(Event::Data(data));
        }
    }

    fn close(&mut self, cx: &FilterCx) {
        if !self.in_message {
            cx.output(Event::MessageStart(MessageStart::default()));
        }
        self.in_message = false;
        cx.output(Event::MessageEnd(MessageEnd::default()));
    }

    fn input(&mut self, cx: &FilterCx, data: Data) {
        self.pending.push(data);
        while let Some(at) = self.pending.find(&self.sep) {
            let before = self.pending.shift(at);
            self.pending.shift(self.sep.len());
            self.piece(cx, before);
            self.close(cx);
        }
        let keep = self.pending.len().min(self.sep.len() - 1);
        let ready = self.pending.len() - keep;
        if ready > 0 {
            let out = self.pending.shift(ready);
            self.piece(cx, out);
        }
    }

    fn end(mut self, cx: &FilterCx) {
        let rest = std::mem::take(&mut self.pending);
        self.piece(cx, rest);
        self.close(cx);
    }
}

impl SplitFilter {
    fn start(&mut self, cx: &FilterCx) -> Option<&mut Run> {
        if self.run.is_none() {
            let sep: Rc<[u8]> = match &self.separator {
                Separator::Fixed(s) => s.clone(),
                Separator::Dynamic(f) => match f(cx) {
                    Ok(s) if s.is_empty() || s.len() > MAX_SEPARATOR => {
                        tracing::error!(
                            "[split] the separator must be 1 to {MAX_SEPARATOR} bytes long, not {}",
                            s.len()
                        );
                        return None;
                    }
                    Ok(s) => s.into(),
                    Err(()) => return None,
                },
            };
            self.run = Some(Run {
                sep,
                pending: Data::new(),
                in_message: false,
            });
        }
        self.run.as_mut()
    }
}

impl Filter for SplitFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.failed {
            return;
        }
        match evt {
            Event::Data(d) => match self.start(cx) {
                Some(run) => run.input(cx, d),
                None => {
                    self.failed = true;
                    cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                }
            },
            Event::MessageStart(_) => {}
            Event::MessageEnd(_) => {
                if let Some(run) = self.run.take() {
                    run.end(cx);
                }
            }
            Event::StreamEnd(end) => {
                if let Some(run) = self.run.take() {
                    run.end(cx);
                }
                cx.output(Event::StreamEnd(end));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::pipeline::Layout;
    use crate::sched::{self, Collector};

    /// Runs `chunks` through `split(sep)` and returns the message bodies and whether the
    /// output ended with a `StreamEnd`.
    fn split(sep: &str, chunks: &[&[u8]]) -> (Vec<String>, bool) {
        let layout = Layout::new("test");
        layout.append(Rc::new(Split {
            separator: Separator::Fixed(sep.as_bytes().into()),
        }));
        let out = Rc::new(Collector::default());
        let p = layout.instantiate(Context::root(None, None));
        p.set_output(out.target());
        p.start();
        for c in chunks {
            sched::emit(&p.input(), Event::Data(Data::from(c.to_vec())));
        }
        sched::emit(&p.input(), Event::end(None));
        let mut bodies = Vec::new();
        let mut cur: Option<Vec<u8>> = None;
        let mut ended = false;
        for e in out.take() {
            match e {
                Event::MessageStart(_) => cur = Some(Vec::new()),
                Event::Data(d) => cur
                    .as_mut()
                    .expect("Data inside a message")
                    .extend(d.to_vec()),
                Event::MessageEnd(_) => {
                    let body = cur.take().expect("MessageEnd closes a message");
                    bodies.push(String::from_utf8(body).expect("utf-8"));
                }
                Event::StreamEnd(_) => ended = true,
            }
        }
        assert!(cur.is_none(), "a message was left open");
        (bodies, ended)
    }

    #[test]
    fn every_split_point_gives_the_same_messages() {
        let input = b"a--b----c-";
        let want = vec!["a", "b", "", "c-"];
        for i in 0..=input.len() {
            for j in i..=input.len() {
                let (got, ended) = split("--", &[&input[..i], &input[i..j], &input[j..]]);
                assert_eq!(got, want, "split at {i}, {j}");
                assert!(ended);
            }
        }
    }

    #[test]
    fn the_end_closes_a_last_message() {
        assert_eq!(split("\n", &[b"x\ny\n"]).0, vec!["x", "y", ""]);
        assert_eq!(split("\n", &[b"x"]).0, vec!["x"]);
        assert_eq!(split("\n", &[]).0, Vec::<String>::new());
    }

    #[test]
    fn overlapping_separator_prefixes() {
        assert_eq!(
            split("aab", &[b"aaab", b"xaa", b"aabz"]).0,
            vec!["a", "xaa", "z"]
        );
    }
}
