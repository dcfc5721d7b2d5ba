//! The chunk list behind [`Data`](crate::Data): a deque that holds one chunk inline.
//!
//! Most Data values are one chunk (a socket read, an encoded head, a body piece), so
//! keeping that case out of the heap saves an allocation and a free per event.

use std::collections::VecDeque;

use bytes::Bytes;

#[derive(Clone, Default)]
pub(crate) enum Chunks {
    #[default]
    Empty,
    One(Bytes),
    Many(VecDeque<Bytes>),
}

impl Chunks {
    pub(crate) fn len(&self) -> usize {
        match self {
            Chunks::Empty => 0,
            Chunks::One(_) => 1,
            Chunks::Many(d) => d.len(),
        }
    }

    pub(crate) fn iter(&self) -> Iter<'_> {
        match self {
            Chunks::Empty => Iter::Slice([].iter()),
            Chunks::One(b) => Iter::Slice(std::slice::from_ref(b).iter()),
            Chunks::Many(d) => Iter::Deque(d.iter()),
        }
    }

    pub(crate) fn get(&self, i: usize) -> Option<&Bytes> {
        match self {
            Chunks::Empty => None,
            Chunks::One(b) => (i == 0).then_some(b),
            Chunks::Many(d) => d.get(i),
        }
    }

    pub(crate) fn front(&self) -> Option<&Bytes> {
        self.get(0)
    }

    pub(crate) fn front_mut(&mut self) -> Option<&mut Bytes> {
        match self {
            Chunks::Empty => None,
            Chunks::One(b) => Some(b),
            Chunks::Many(d) => d.front_mut(),
        }
    }

    pub(crate) fn back_mut(&mut self) -> Option<&mut Bytes> {
        match self {
            Chunks::Empty => None,
            Chunks::One(b) => Some(b),
            Chunks::Many(d) => d.back_mut(),
        }
    }

    /// The deque, creating it from the inline state (keeps any chunk in it).
    fn many(&mut self) -> &mut VecDeque<Bytes> {
        if !matches!(self, Chunks::Many(_)) {
            let mut d = VecDeque::with_capacity(4);
            if let Chunks::One(b) = std::mem::take(self) {
                d.push_back(b);
            }
            *self = Chunks::Many(d);
        }
        match self {
            Chunks::Many(d) => d,
            // Just made it.
            _ => unreachable!(),
        }
    }

    pub(crate) fn push_back(&mut self, b: Bytes) {
        match self {
            Chunks::Empty => *self = Chunks::One(b),
            _ => self.many().push_back(b),
        }
    }

    pub(crate) fn push_front(&mut self, b: Bytes) {
        match self {
            Chunks::Empty => *self = Chunks::One(b),
            _ => self.many().push_front(b),
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<Bytes> {
        match self {
            Chunks::Empty => None,
            Chunks::One(_) => match std::mem::take(self) {
                Chunks::One(b) => Some(b),
                _ => None,
            },
            Chunks::Many(d) => d.pop_front(),
        }
    }

    pub(crate) fn pop_back(&mut self) -> Option<Bytes> {
        match self {
            Chunks::Empty => None,
            Chunks::One(_) => self.pop_front(),
            Chunks::Many(d) => d.pop_back(),
        }
    }

    pub(crate) fn clear(&mut self) {
        match self {
            Chunks::Many(d) => d.clear(),
            _ => *self = Chunks::Empty,
        }
    }

    pub(crate) fn extend(&mut self, other: Chunks) {
        match (&mut *self, other) {
            (_, Chunks::Empty) => {}
            (Chunks::Empty, other) => *self = other,
            (_, Chunks::One(b)) => self.many().push_back(b),
            (_, Chunks::Many(d)) => self.many().extend(d),
        }
    }
}

impl std::ops::Index<usize> for Chunks {
    type Output = Bytes;
    fn index(&self, i: usize) -> &Bytes {
        match self.get(i) {
            Some(b) => b,
            None => panic!("chunk index {i} out of range"),
        }
    }
}

pub(crate) enum Iter<'a> {
    Slice(std::slice::Iter<'a, Bytes>),
    Deque(std::collections::vec_deque::Iter<'a, Bytes>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Bytes;
    fn next(&mut self) -> Option<&'a Bytes> {
        match self {
            Iter::Slice(i) => i.next(),
            Iter::Deque(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Slice(i) => i.size_hint(),
            Iter::Deque(i) => i.size_hint(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Slice(i) => i.next_back(),
            Iter::Deque(i) => i.next_back(),
        }
    }
}

pub(crate) enum IntoIter {
    One(Option<Bytes>),
    Deque(std::collections::vec_deque::IntoIter<Bytes>),
}

impl Iterator for IntoIter {
    type Item = Bytes;
    fn next(&mut self) -> Option<Bytes> {
        match self {
            IntoIter::One(b) => b.take(),
            IntoIter::Deque(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            IntoIter::One(b) => (usize::from(b.is_some()), Some(usize::from(b.is_some()))),
            IntoIter::Deque(i) => i.size_hint(),
        }
    }
}

impl ExactSizeIterator for IntoIter {}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Bytes> {
        match self {
            IntoIter::One(b) => b.take(),
            IntoIter::Deque(i) => i.next_back(),
        }
    }
}

impl IntoIterator for Chunks {
    type Item = Bytes;
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        match self {
            Chunks::Empty => IntoIter::One(None),
            Chunks::One(b) => IntoIter::One(Some(b)),
            Chunks::Many(d) => IntoIter::Deque(d.into_iter()),
        }
    }
}

impl<'a> IntoIterator for &'a Chunks {
    type Item = &'a Bytes;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}
