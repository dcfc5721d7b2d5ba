//! The engine without sockets or JS: pipelines, the event queue, contexts and the filters
//! that live in this crate.

use std::cell::RefCell;
use std::rc::Rc;

use weir_engine::filters::dummy::Dummy;
use weir_engine::filters::link::{Arm, Choice, Link, Trigger};
use weir_engine::filters::tee::{Tee, TeeTarget};
use weir_engine::sched::{self, Collector, EventSink, Target};
use weir_engine::{
    Context, ContextData, Data, ErrorCode, Event, Filter, FilterCx, FilterFactory, Layout,
    LayoutRef,
};

/// A filter that tags Data with a prefix, to see which path events took.
struct Tag(&'static str);

impl FilterFactory for Tag {
    fn name(&self) -> &str {
        "tag"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(Tag(self.0))
    }
}

impl Filter for Tag {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match evt {
            Event::Data(d) => {
                let mut out = Data::from(self.0);
                out.push(d);
                cx.output(Event::Data(out));
            }
            other => cx.output(other),
        }
    }
}

fn run(layout: &Rc<Layout>, events: Vec<Event>) -> Vec<Event> {
    let collector = Rc::new(Collector::default());
    let p = layout.instantiate(Context::root(None, None));
    p.set_output(collector.target());
    p.start();
    for e in events {
        sched::emit(&p.input(), e);
    }
    collector.take()
}

fn texts(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Data(d) => d.to_string_lossy(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn filters_run_in_order_and_stream_end_passes() {
    let l = Layout::new("t");
    l.append(Rc::new(Tag("a:")));
    l.append(Rc::new(Tag("b:")));
    let out = run(&l, vec![Event::Data(Data::from("x")), Event::end(None)]);
    assert_eq!(texts(&out), vec!["b:a:x", "StreamEnd"]);
}

#[test]
fn empty_pipeline_echoes() {
    let l = Layout::new("echo");
    let out = run(
        &l,
        vec![
            Event::Data(Data::from("x")),
            Event::end(Some(ErrorCode::ReadError)),
        ],
    );
    assert_eq!(texts(&out), vec!["x", "StreamEnd ReadError"]);
}

#[test]
fn dummy_keeps_only_stream_end() {
    let l = Layout::new("d");
    l.append(Rc::new(Dummy));
    let out = run(&l, vec![Event::Data(Data::from("x")), Event::end(None)]);
    assert_eq!(texts(&out), vec!["StreamEnd"]);
}

#[test]
fn link_to_a_named_layout_and_dynamic_choice() {
    let sub = Layout::new("sub");
    sub.append(Rc::new(Tag("sub:")));
    let named = LayoutRef::named("sub");
    named.resolve(sub.clone());
    let l = Layout::new("main");
    l.append(Rc::new(Link {
        method: "link",
        choice: Choice::Layout(named),
        trigger: Trigger::FirstEvent,
    }));
    assert_eq!(
        texts(&run(&l, vec![Event::Data(Data::from("x"))])),
        vec!["sub:x"]
    );

    // Arms: the first true condition wins; no match passes through.
    let arms = |first: bool| {
        let l = Layout::new("branch");
        l.append(Rc::new(Link {
            method: "branch",
            choice: Choice::Arms(vec![Arm {
                cond: Some(Rc::new(move |_, _| Some(first))),
                layout: Some(LayoutRef::of(sub.clone())),
            }]),
            trigger: Trigger::FirstEvent,
        }));
        l
    };
    assert_eq!(
        texts(&run(&arms(true), vec![Event::Data(Data::from("y"))])),
        vec!["sub:y"]
    );
    assert_eq!(
        texts(&run(&arms(false), vec![Event::Data(Data::from("y"))])),
        vec!["y"]
    );
}

#[test]
fn a_failing_condition_ends_the_stream() {
    let l = Layout::new("branch");
    l.append(Rc::new(Link {
        method: "branch",
        choice: Choice::Arms(vec![Arm {
            cond: Some(Rc::new(|_, _| None)),
            layout: None,
        }]),
        trigger: Trigger::FirstEvent,
    }));
    let out = run(
        &l,
        vec![Event::Data(Data::from("y")), Event::Data(Data::from("z"))],
    );
    assert_eq!(texts(&out), vec!["StreamEnd RuntimeError"]);
}

#[test]
fn branch_on_message_start_waits_for_it() {
    let sub = Layout::new("sub");
    sub.append(Rc::new(Tag("sub:")));
    let l = Layout::new("b");
    l.append(Rc::new(Link {
        method: "branchMessageStart",
        choice: Choice::Arms(vec![Arm {
            cond: Some(Rc::new(|_, e| Some(matches!(e, Event::MessageStart(_))))),
            layout: Some(LayoutRef::of(sub)),
        }]),
        trigger: Trigger::MessageStart,
    }));
    let out = run(
        &l,
        vec![
            Event::Data(Data::from("early")),
            Event::MessageStart(Default::default()),
            Event::Data(Data::from("body")),
        ],
    );
    assert_eq!(texts(&out), vec!["sub:early", "MessageStart", "sub:body"]);
}

#[test]
fn tee_copies_data_to_a_file_and_passes_it_on() {
    let path = std::env::temp_dir().join(format!("weir-tee-{}.txt", std::process::id()));
    let l = Layout::new("t");
    l.append(Rc::new(Tee {
        target: TeeTarget::File {
            path: path.clone(),
            append: false,
        },
        method: "tee",
    }));
    let out = run(
        &l,
        vec![Event::Data(Data::from("ab")), Event::Data(Data::from("cd"))],
    );
    assert_eq!(texts(&out), vec!["ab", "cd"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "abcd");
    let _ = std::fs::remove_file(path);
}

/// A sink that feeds what it receives back into a pipeline: the queue must not recurse.
struct Bounce {
    target: RefCell<Option<Target>>,
    seen: RefCell<Vec<String>>,
}

impl EventSink for Bounce {
    fn on_event(&self, evt: Event) {
        if let Event::Data(d) = &evt {
            let s = d.to_string_lossy();
            self.seen.borrow_mut().push(s.clone());
            if s.len() < 12 {
                if let Some(t) = self.target.borrow().as_ref() {
                    sched::emit(t, Event::Data(Data::from(format!("{s}+"))));
                }
            }
        }
    }
}

#[test]
fn events_emitted_while_processing_are_queued_not_nested() {
    let l = Layout::new("t");
    l.append(Rc::new(Tag("")));
    let p = l.instantiate(Context::root(None, None));
    let bounce = Rc::new(Bounce {
        target: RefCell::new(Some(p.input())),
        seen: RefCell::new(Vec::new()),
    });
    p.set_output(Target::Sink(bounce.clone()));
    p.start();
    sched::emit(&p.input(), Event::Data(Data::from("x")));
    assert_eq!(bounce.seen.borrow().len(), 12);
}

#[derive(Clone)]
struct Counter(Rc<RefCell<u32>>, u32);

impl ContextData for Counter {
    fn fork(self: Rc<Self>) -> Rc<dyn ContextData> {
        Rc::new(Counter(Rc::new(RefCell::new(*self.0.borrow())), self.1 + 1))
    }
}

#[test]
fn forked_contexts_copy_values_and_keep_the_root() {
    let root = Context::root(None, Some(Rc::new(Counter(Rc::new(RefCell::new(7)), 0))));
    let child = root.fork();
    assert_ne!(root.id, child.id);
    assert_eq!(child.root_id, root.id);
    let (Some(a), Some(b)) = (root.data_as::<Counter>(), child.data_as::<Counter>()) else {
        panic!("context data");
    };
    *b.0.borrow_mut() = 9;
    assert_eq!(
        *a.0.borrow(),
        7,
        "writes in the clone do not reach the parent"
    );
    assert_eq!(b.1, 1);
}

#[test]
fn on_end_runs_once_when_stream_end_leaves() {
    let l = Layout::new("t");
    let ended = Rc::new(RefCell::new(0));
    let e2 = ended.clone();
    l.set_on_end(Rc::new(move |_| *e2.borrow_mut() += 1));
    let out = run(&l, vec![Event::end(None), Event::end(None)]);
    assert_eq!(out.len(), 2);
    assert_eq!(*ended.borrow(), 1);
}

#[test]
fn on_end_runs_when_a_started_pipeline_is_dropped() {
    let l = Layout::new("t");
    let ended = Rc::new(RefCell::new(0));
    let e2 = ended.clone();
    l.set_on_end(Rc::new(move |_| *e2.borrow_mut() += 1));
    let p = l.instantiate(Context::root(None, None));
    p.start();
    drop(p);
    assert_eq!(*ended.borrow(), 1);
}

/// Counts the Data events it passes; can be reset for reuse.
struct Counting(Rc<RefCell<Vec<usize>>>);

struct CountingFilter {
    seen: usize,
    log: Rc<RefCell<Vec<usize>>>,
}

impl FilterFactory for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(CountingFilter {
            seen: 0,
            log: self.0.clone(),
        })
    }
}

impl Filter for CountingFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if let Event::Data(_) = &evt {
            self.seen += 1;
            self.log.borrow_mut().push(self.seen);
        }
        cx.output(evt);
    }
    fn reset(&mut self) -> bool {
        self.seen = 0;
        true
    }
}

#[test]
fn a_pipeline_is_reused_only_when_nothing_else_refers_to_it() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = Layout::new("counting");
    l.append(Rc::new(Counting(log.clone())));
    let parent = Layout::new("parent").instantiate(Context::root(None, None));
    let cx = FilterCx {
        pipeline: &parent,
        index: 0,
    };

    let first = cx.sub_pipeline_reusing(&l, true, 1, None);
    let first_ctx = first.context.id;
    sched::emit(&first.input(), Event::Data(Data::from("x")));
    sched::emit(&first.input(), Event::Data(Data::from("y")));
    let addr = Rc::as_ptr(&first);

    // Another handle, or a weak one (an event on its way), keeps it from being reused.
    let other = first.clone();
    assert!(first.reuse().is_none());
    let weak = Rc::downgrade(&other);
    assert!(other.clone().reuse().is_none());
    drop(weak);
    let spare = other.reuse();
    assert!(spare.is_some());

    // Reused: the same pipeline, a new context, the filter as new.
    let second = cx.sub_pipeline_reusing(&l, true, 2, spare);
    assert_eq!(Rc::as_ptr(&second), addr);
    assert_ne!(second.context.id, first_ctx);
    sched::emit(&second.input(), Event::Data(Data::from("z")));
    assert_eq!(*log.borrow(), vec![1, 2, 1]);

    // A spare of another layout is not used.
    let other_layout = Layout::new("other");
    other_layout.append(Rc::new(Counting(log.clone())));
    let spare = second.reuse();
    let gone = spare.as_ref().map(Rc::downgrade);
    let third = cx.sub_pipeline_reusing(&other_layout, true, 3, spare);
    assert!(gone.is_some_and(|w| w.upgrade().is_none()));
    assert!(Rc::ptr_eq(&third.layout, &other_layout));

    // A filter that cannot be reset, or an onEnd still due, means a new pipeline.
    let tagged = Layout::new("tagged");
    tagged.append(Rc::new(Tag("a:")));
    let p = cx.sub_pipeline_reusing(&tagged, true, 4, None);
    assert!(p.reuse().is_none());
    let ended = Rc::new(RefCell::new(0));
    let hooked = Layout::new("hooked");
    hooked.append(Rc::new(Counting(log.clone())));
    let count = ended.clone();
    hooked.set_on_end(Rc::new(move |_| *count.borrow_mut() += 1));
    let p = cx.sub_pipeline_reusing(&hooked, true, 5, None);
    assert!(p.reuse().is_none());
    assert_eq!(*ended.borrow(), 1, "onEnd ran as for a dropped pipeline");
    let p = cx.sub_pipeline_reusing(&hooked, true, 6, None);
    sched::emit(&p.input(), Event::end(None));
    assert_eq!(*ended.borrow(), 2);
    assert!(p.reuse().is_some(), "ended: onEnd has run");
}

#[test]
fn a_panic_inside_hold_does_not_freeze_the_queue() {
    use std::cell::Cell;
    use weir_engine::{sched, Event, EventSink, Target};
    struct Count(Cell<usize>);
    impl EventSink for Count {
        fn on_event(&self, _evt: Event) {
            self.0.set(self.0.get() + 1);
        }
    }
    let held = std::panic::catch_unwind(|| sched::hold(|| panic!("a bug in a filter")));
    assert!(held.is_err());
    let sink = Rc::new(Count(Cell::new(0)));
    sched::emit(&Target::Sink(sink.clone()), Event::end(None));
    assert_eq!(sink.0.get(), 1);
}

/// Logs each Data it gets; takes direct input or not. On "a" it also feeds "a2" back into
/// its own pipeline with `emit_direct` (which must queue it: the filter is running).
struct Receiver {
    direct: bool,
    log: Rc<RefCell<Vec<String>>>,
}

impl FilterFactory for Receiver {
    fn name(&self) -> &str {
        "receiver"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(Receiver {
            direct: self.direct,
            log: self.log.clone(),
        })
    }
}

impl Filter for Receiver {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if let Event::Data(d) = &evt {
            let s = d.to_string_lossy();
            self.log.borrow_mut().push(s.clone());
            if s == "a" {
                sched::emit_direct(&cx.pipeline.input(), Event::Data(Data::from("a2")));
            }
        }
    }
    fn takes_direct_input(&self) -> bool {
        self.direct
    }
}

/// On any input, sends "a" then "b" into `target` with `emit_direct`, then logs "sent".
struct Sender {
    target: Target,
    log: Rc<RefCell<Vec<String>>>,
}

impl Filter for Sender {
    fn process(&mut self, _cx: &FilterCx, _evt: Event) {
        sched::emit_direct(&self.target, Event::Data(Data::from("a")));
        sched::emit_direct(&self.target, Event::Data(Data::from("b")));
        self.log.borrow_mut().push("sent".into());
    }
}

struct SenderFactory(Target, Rc<RefCell<Vec<String>>>);

impl FilterFactory for SenderFactory {
    fn name(&self) -> &str {
        "sender"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(Sender {
            target: self.0.clone(),
            log: self.1.clone(),
        })
    }
}

#[test]
fn emit_direct_delivers_in_place_only_where_allowed_and_never_out_of_order() {
    let order = |direct: bool| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let r = Layout::new("receiver");
        r.append(Rc::new(Receiver {
            direct,
            log: log.clone(),
        }));
        let receiver = r.instantiate(Context::root(None, None));
        receiver.start();
        let s = Layout::new("sender");
        s.append(Rc::new(SenderFactory(receiver.input(), log.clone())));
        let sender = s.instantiate(Context::root(None, None));
        sender.start();
        sched::emit(&sender.input(), Event::Data(Data::from("go")));
        let out = log.borrow().clone();
        out
    };
    // In place: "a" is handled inside the sender; its own "a2" had to be queued (the
    // receiver was running), so "b" queues behind it instead of overtaking it.
    assert_eq!(order(true), ["a", "sent", "a2", "b"]);
    // A filter that does not take direct input gets everything through the queue: the
    // same order (depth first), after the sender is done.
    assert_eq!(order(false), ["sent", "a", "a2", "b"]);
    // With the queue idle, it is a plain emit.
    let log = Rc::new(RefCell::new(Vec::new()));
    let r = Layout::new("receiver");
    r.append(Rc::new(Receiver {
        direct: true,
        log: log.clone(),
    }));
    let receiver = r.instantiate(Context::root(None, None));
    sched::emit_direct(&receiver.input(), Event::Data(Data::from("b")));
    assert_eq!(*log.borrow(), ["b"]);
}
