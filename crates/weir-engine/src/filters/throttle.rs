//! `throttleMessageRate`, `throttleDataRate`, `throttleConcurrency`: hold events until a
//! quota grants them. Events are queued, never dropped; with `blockInput` the input that
//! feeds a throttled stream is paused while anything is queued (back-pressure).
//!
//! - message rate: each message costs 1 (its MessageStart waits; the rest of it follows);
//! - data rate: each Data costs its size; a partly granted Data is split and the rest waits;
//! - concurrency: a stream costs 1 when its first event arrives and gives it back when it
//!   ends (or goes away).
//!
//! The quota is a shared bucket (`algo.Quota`, or one made from a number / size string, per
//! account key for the old `(quota, account)` form). A waiting filter retries when the
//! bucket refills, or every 10 ms for concurrency.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use weir_algo::Quota;

use crate::activity::Activity;
use crate::event::Event;
use crate::pipeline::{Filter, FilterCx, FilterFactory};
use crate::tap::Congestion;

pub type Bucket = Arc<Mutex<Quota>>;

/// Finds the bucket for a stream (`Err`: the script failed, already logged).
pub type BucketFn = Rc<dyn Fn(&FilterCx) -> Result<Bucket, ()>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Measure {
    MessageRate,
    DataRate,
    Concurrency,
}

pub struct Throttle {
    pub measure: Measure,
    pub bucket: BucketFn,
    pub block_input: bool,
}

impl FilterFactory for Throttle {
    fn name(&self) -> &str {
        match self.measure {
            Measure::MessageRate => "throttleMessageRate",
            Measure::DataRate => "throttleDataRate",
            Measure::Concurrency => "throttleConcurrency",
        }
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ThrottleFilter {
            measure: self.measure,
            find: self.bucket.clone(),
            bucket: None,
            queue: VecDeque::new(),
            holding: false,
            timer: false,
            block_input: self.block_input,
            congestion: Congestion::default(),
            failed: false,
        })
    }
}

struct ThrottleFilter {
    measure: Measure,
    find: BucketFn,
    bucket: Option<Bucket>,
    queue: VecDeque<Event>,
    /// Concurrency: this stream holds one unit.
    holding: bool,
    timer: bool,
    block_input: bool,
    congestion: Congestion,
    failed: bool,
}

fn lock(b: &Bucket) -> std::sync::MutexGuard<'_, Quota> {
    // A poisoned lock only means another thread panicked between two number updates.
    b.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for ThrottleFilter {
    fn drop(&mut self) {
        if self.holding {
            if let Some(b) = &self.bucket {
                lock(b).produce(1.0);
            }
        }
    }
}

impl ThrottleFilter {
    /// Takes `n` from the bucket: how much was granted, and when to retry otherwise.
    fn take(&self, n: f64) -> (f64, Option<Instant>) {
        let Some(b) = &self.bucket else {
            return (n, None);
        };
        let mut q = lock(b);
        let now = Instant::now();
        q.advance(now);
        let granted = q.consume(n, now);
        (granted, q.next_refill())
    }

    fn pump(&mut self, cx: &FilterCx) {
        while let Some(evt) = self.queue.pop_front() {
            let cost = match (&evt, self.measure) {
                (Event::MessageStart(_), Measure::MessageRate) => 1.0,
                (Event::Data(d), Measure::DataRate) => d.len() as f64,
                (_, Measure::Concurrency) if !self.holding => 1.0,
                _ => 0.0,
            };
            if cost == 0.0
                || (self.measure == Measure::Concurrency && evt.is_stream_end() && !self.holding)
            {
                self.pass(cx, evt);
                continue;
            }
            let (granted, retry) = self.take(cost);
            if granted >= cost {
                if self.measure == Measure::Concurrency {
                    self.holding = true;
                }
                self.pass(cx, evt);
                continue;
            }
            match evt {
                Event::Data(mut d) if self.measure == Measure::DataRate && granted >= 1.0 => {
                    let head = d.shift(granted as usize);
                    cx.output(Event::Data(head));
                    self.queue.push_front(Event::Data(d));
                }
                evt => {
                    // Not granted: give back a partial grant and wait.
                    if granted > 0.0 {
                        if let Some(b) = &self.bucket {
                            lock(b).produce(granted);
                        }
                    }
                    self.queue.push_front(evt);
                }
            }
            self.wait(cx, retry);
            break;
        }
        if self.block_input {
            if self.queue.is_empty() {
                self.congestion.relieve(0, 0);
            } else {
                self.congestion.check(1, 0);
            }
        }
    }

    fn pass(&mut self, cx: &FilterCx, evt: Event) {
        if evt.is_stream_end() && self.holding {
            self.holding = false;
            if let Some(b) = &self.bucket {
                lock(b).produce(1.0);
            }
        }
        cx.output(evt);
    }

    fn wait(&mut self, cx: &FilterCx, retry: Option<Instant>) {
        if self.timer {
            return;
        }
        self.timer = true;
        let delay = match retry {
            Some(at) => at
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
            None => Duration::from_millis(10),
        };
        let (home, index) = cx.home();
        let guard = Activity::new();
        tokio::task::spawn_local(async move {
            tokio::time::sleep(delay).await;
            drop(guard);
            if let Some(p) = home.upgrade() {
                p.with_filter(index, |f, cx| {
                    let any: &mut dyn std::any::Any = f;
                    if let Some(t) = any.downcast_mut::<ThrottleFilter>() {
                        t.timer = false;
                        t.pump(cx);
                    }
                });
            }
        });
    }
}

impl Filter for ThrottleFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.failed {
            return;
        }
        if self.bucket.is_none() {
            match (self.find)(cx) {
                Ok(b) => self.bucket = Some(b),
                Err(()) => {
                    self.failed = true;
                    cx.output(Event::end(Some(crate::ErrorCode::RuntimeError)));
                    return;
                }
            }
        }
        self.queue.push_back(evt);
        if !self.timer {
            self.pump(cx);
        }
    }
}
