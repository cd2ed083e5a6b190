//! Which `/sync`s wait for which work: each client's asynchronous work counted in spans,
//! which its `/sync`s close.
//!
//! Context: RT: every function here runs on the audio thread, except `SyncSpans::new`
//! (NRT, when the engine is built: it allocates the fixed tables).

use std::collections::VecDeque;

use super::id_map::IdMap;
use super::{ClientId, EngineError};

const NONE: u32 = u32::MAX;

/// A span, as the work counted in it names it: its place, and the generation that tells
/// a reused place apart, so work that outlives its span counts nowhere by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanId {
    index: u32,
    generation: u32,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    generation: u32,
    /// The client's place.
    client: u32,
    /// Steps counted here that have not ended.
    work: u32,
    /// Closed by a `/sync`: no new work joins it.
    closed: bool,
    /// The token of the `/sync` that closed it (`None` once a cleared timed `/sync` gave
    /// it up, or while open).
    token: Option<i32>,
    /// In the answer queue.
    queued: bool,
    /// The client's next span.
    next: u32,
}

#[derive(Debug, Clone, Copy)]
struct ClientSpans {
    id: ClientId,
    /// The oldest span: the only one whose `/sync` may be answered.
    front: u32,
    /// The newest span.
    back: u32,
    /// The span new work joins, if it is not closed yet (it is then `back`).
    open: u32,
    /// Closed spans not yet answered.
    waiting: u32,
}

/// Each client's asynchronous work (constructs, destroys, operations, timed commands)
/// counted in a chain of *spans*: work joins the client's open span; a `/sync` closes it
/// and waits for it and for every span before it. A span whose work has ended is answered
/// when it is the client's oldest, so a client's `/sync`s are answered in the order it
/// sent them, and nothing is ever scanned: starting a step, ending one, closing a span and
/// answering one each cost O(1).
///
/// Capacity: every live span is closed (a waiting `/sync`) or holds work, and every
/// client with a place has a span, so `max_waiting` closed spans and `steps` steps that
/// can be outstanding at once never need more than `2 · max_waiting + steps` spans and
/// `max_waiting + steps` client places.
///
/// Context: allocated NRT with fixed capacities; used on the audio thread only.
pub struct SyncSpans {
    spans: Box<[Span]>,
    free_spans: Vec<u32>,
    clients: Box<[ClientSpans]>,
    free_clients: Vec<u32>,
    by_client: IdMap<ClientId>,
    /// Spans whose work has ended and that are their client's oldest.
    answers: VecDeque<SpanId>,
    waiting: usize,
    max_waiting: usize,
    max_waiting_per_client: u32,
}

impl SyncSpans {
    /// Room for `max_waiting` waiting `/sync`s in all, `max_waiting_per_client` of any
    /// one client, and `steps` outstanding steps. Context: NRT.
    pub fn new(max_waiting: usize, max_waiting_per_client: usize, steps: usize) -> Self {
        let span_count = 2 * max_waiting + steps;
        let client_count = max_waiting + steps;
        let span = Span { generation: 0, client: NONE, work: 0, closed: false, token: None, queued: false, next: NONE };
        let client = ClientSpans { id: ClientId(0), front: NONE, back: NONE, open: NONE, waiting: 0 };
        SyncSpans {
            spans: vec![span; span_count].into_boxed_slice(),
            free_spans: (0..span_count as u32).rev().collect(),
            clients: vec![client; client_count].into_boxed_slice(),
            free_clients: (0..client_count as u32).rev().collect(),
            by_client: IdMap::new(client_count),
            answers: VecDeque::with_capacity(span_count),
            waiting: 0,
            max_waiting,
            max_waiting_per_client: max_waiting_per_client.min(u32::MAX as usize) as u32,
        }
    }

    fn alive(&self, span: SpanId) -> bool {
        self.spans.get(span.index as usize).is_some_and(|s| s.generation == span.generation && s.client != NONE)
    }

    fn id(&self, index: u32) -> SpanId {
        SpanId { index, generation: self.spans[index as usize].generation }
    }

    /// Counts a step of `client`'s: in `span` if that span still waits; otherwise (`span`
    /// was answered) in the client's oldest span, so every `/sync` still waiting, all sent
    /// after `span`'s, waits for it; with no span given, or none left, in its open span.
    /// Context: RT.
    pub fn hold(&mut self, client: ClientId, span: Option<SpanId>) -> Result<SpanId, EngineError> {
        let index = match span {
            Some(s) if self.alive(s) => s.index,
            Some(_) => match self.by_client.get(client).map(|place| self.clients[place as usize].front) {
                Some(front) if front != NONE => front,
                _ => self.open_span(client)?,
            },
            None => self.open_span(client)?,
        };
        let s = &mut self.spans[index as usize];
        s.work += 1;
        Ok(self.id(index))
    }

    /// Ends a step counted in `span` (nothing if `span` is gone). Context: RT.
    pub fn release(&mut self, span: SpanId) {
        if !self.alive(span) {
            return;
        }
        let s = &mut self.spans[span.index as usize];
        s.work = s.work.saturating_sub(1);
        if s.work == 0 {
            let client = s.client;
            self.settle(client);
        }
    }

    /// A `/sync` from `client`: `true` if it is answered now (the client has no work
    /// outstanding); otherwise it closes the client's open span and waits. Context: RT.
    pub fn sync(&mut self, client: ClientId, token: i32) -> Result<bool, EngineError> {
        if self.by_client.get(client).is_none() {
            return Ok(true);
        }
        self.close(client, token)?;
        Ok(false)
    }

    /// A timed `/sync` from `client`, taken into the scheduler: it closes the client's
    /// open span now and counts in it as a step of its own until it is applied, so it is
    /// answered at its time at the earliest and before any later `/sync` of the client.
    /// Context: RT.
    pub fn sync_later(&mut self, client: ClientId, token: i32) -> Result<SpanId, EngineError> {
        let index = self.close(client, token)?;
        self.spans[index as usize].work += 1;
        Ok(self.id(index))
    }

    /// A timed `/sync` that will never be applied (cleared from the scheduler): its span
    /// stays a boundary but answers nobody. Context: RT.
    pub fn cancel(&mut self, span: SpanId) {
        if self.alive(span) {
            self.spans[span.index as usize].token = None;
        }
    }

    /// The next `/sync` to answer, as (client, token), in the order their work ended.
    /// Context: RT.
    pub fn next_answer(&mut self) -> Option<(ClientId, i32)> {
        while let Some(span) = self.answers.pop_front() {
            if !self.alive(span) {
                continue;
            }
            let s = &mut self.spans[span.index as usize];
            s.queued = false;
            if s.work > 0 {
                // Work joined it meanwhile; its end queues the span again.
                continue;
            }
            let (place, token, next) = (s.client, s.token, s.next);
            let c = &mut self.clients[place as usize];
            let id = c.id;
            c.front = next;
            if c.back == span.index {
                c.back = NONE;
            }
            c.waiting = c.waiting.saturating_sub(1);
            self.waiting = self.waiting.saturating_sub(1);
            self.free_span(span.index);
            self.settle(place);
            if let Some(token) = token {
                return Some((id, token));
            }
        }
        None
    }

    /// Whether a `/sync` is ready to be answered.
    pub fn has_answers(&self) -> bool {
        !self.answers.is_empty()
    }

    /// `/sync`s waiting (closed spans not yet answered).
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// Closes `client`'s open span with `token` (opening an empty one first if it has
    /// none): the index of the closed span.
    fn close(&mut self, client: ClientId, token: i32) -> Result<u32, EngineError> {
        if self.waiting >= self.max_waiting {
            return Err(EngineError::SyncCapacity(self.max_waiting));
        }
        if let Some(place) = self.by_client.get(client) {
            if self.clients[place as usize].waiting >= self.max_waiting_per_client {
                return Err(EngineError::ClientSyncCapacity(self.max_waiting_per_client as usize));
            }
        }
        let index = self.open_span(client)?;
        let s = &mut self.spans[index as usize];
        s.closed = true;
        s.token = Some(token);
        let place = s.client as usize;
        let c = &mut self.clients[place];
        c.open = NONE;
        c.waiting += 1;
        self.waiting += 1;
        Ok(index)
    }

    /// The index of `client`'s open span, opening one (and giving the client a place)
    /// if it has none.
    fn open_span(&mut self, client: ClientId) -> Result<u32, EngineError> {
        let place = match self.by_client.get(client) {
            Some(place) => place,
            None => {
                let place = self.free_clients.pop().ok_or(EngineError::SyncCapacity(self.max_waiting))?;
                if !self.by_client.insert(client, place) {
                    self.free_clients.push(place);
                    return Err(EngineError::SyncCapacity(self.max_waiting));
                }
                self.clients[place as usize] =
                    ClientSpans { id: client, front: NONE, back: NONE, open: NONE, waiting: 0 };
                place
            }
        };
        let open = self.clients[place as usize].open;
        if open != NONE {
            return Ok(open);
        }
        let Some(index) = self.free_spans.pop() else {
            self.settle(place);
            return Err(EngineError::SyncCapacity(self.max_waiting));
        };
        let s = &mut self.spans[index as usize];
        s.client = place;
        s.work = 0;
        s.closed = false;
        s.token = None;
        s.queued = false;
        s.next = NONE;
        let c = &mut self.clients[place as usize];
        if c.back != NONE {
            self.spans[c.back as usize].next = index;
        } else {
            c.front = index;
        }
        c.back = index;
        c.open = index;
        Ok(index)
    }

    /// Looks at a client's oldest span after work ended or a span was answered: a closed
    /// one with no work left joins the answer queue; an open one with no work left is the
    /// client's only span and goes, and with it the client's place.
    fn settle(&mut self, place: u32) {
        let c = self.clients[place as usize];
        if c.front == NONE {
            self.forget(place);
            return;
        }
        let s = self.spans[c.front as usize];
        if s.work > 0 || s.queued {
            return;
        }
        if s.closed {
            self.spans[c.front as usize].queued = true;
            let id = self.id(c.front);
            self.answers.push_back(id);
        } else {
            self.free_span(c.front);
            self.forget(place);
        }
    }

    fn free_span(&mut self, index: u32) {
        let s = &mut self.spans[index as usize];
        s.client = NONE;
        s.generation = s.generation.wrapping_add(1);
        self.free_spans.push(index);
    }

    fn forget(&mut self, place: u32) {
        let id = self.clients[place as usize].id;
        self.by_client.remove(id);
        self.clients[place as usize] = ClientSpans { id: ClientId(0), front: NONE, back: NONE, open: NONE, waiting: 0 };
        self.free_clients.push(place);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: ClientId = ClientId(1);
    const B: ClientId = ClientId(2);

    fn answers(spans: &mut SyncSpans) -> Vec<(ClientId, i32)> {
        std::iter::from_fn(|| spans.next_answer()).collect()
    }

    #[test]
    fn a_sync_with_nothing_outstanding_is_answered_at_once() {
        let mut spans = SyncSpans::new(4, 4, 4);
        assert_eq!(spans.sync(A, 1), Ok(true));
        let s = spans.hold(A, None).unwrap();
        spans.release(s);
        assert_eq!(spans.sync(A, 2), Ok(true), "the client's work ended");
        assert!(!spans.has_answers());
    }

    #[test]
    fn a_sync_waits_for_its_clients_earlier_work_only() {
        let mut spans = SyncSpans::new(4, 4, 8);
        let a1 = spans.hold(A, None).unwrap();
        let b1 = spans.hold(B, None).unwrap();
        assert_eq!(spans.sync(A, 10), Ok(false));
        let a2 = spans.hold(A, None).unwrap();
        assert_ne!(a1, a2, "work after the /sync joins a new span");
        spans.release(a2);
        assert!(answers(&mut spans).is_empty(), "later work does not answer it");
        spans.release(a1);
        assert_eq!(answers(&mut spans), vec![(A, 10)]);
        assert_eq!(spans.sync(B, 20), Ok(false));
        spans.release(b1);
        assert_eq!(answers(&mut spans), vec![(B, 20)]);
        assert_eq!(spans.waiting(), 0);
    }

    #[test]
    fn a_clients_syncs_are_answered_in_order_whatever_order_the_work_ends_in() {
        let mut spans = SyncSpans::new(8, 8, 8);
        let first = spans.hold(A, None).unwrap();
        spans.sync(A, 1).unwrap();
        let second = spans.hold(A, None).unwrap();
        spans.sync(A, 2).unwrap();
        spans.sync(A, 3).unwrap();
        spans.release(second);
        assert!(answers(&mut spans).is_empty());
        spans.release(first);
        assert_eq!(answers(&mut spans), vec![(A, 1), (A, 2), (A, 3)]);
    }

    #[test]
    fn a_step_that_starts_after_its_span_was_answered_joins_the_oldest_waiting_one() {
        let mut spans = SyncSpans::new(8, 8, 8);
        let free = spans.hold(A, None).unwrap();
        spans.release(free);
        // `free`'s span is gone; a /sync closed a later one that still waits.
        let other = spans.hold(A, None).unwrap();
        spans.sync(A, 7).unwrap();
        let destroy = spans.hold(A, Some(free)).unwrap();
        spans.release(other);
        assert!(answers(&mut spans).is_empty(), "the /sync waits for the late step too");
        spans.release(destroy);
        assert_eq!(answers(&mut spans), vec![(A, 7)]);
    }

    #[test]
    fn a_timed_sync_holds_later_syncs_until_it_is_applied_and_a_cleared_one_answers_nobody() {
        let mut spans = SyncSpans::new(8, 8, 8);
        let timed = spans.sync_later(A, 1).unwrap();
        assert_eq!(spans.sync(A, 2), Ok(false));
        assert!(answers(&mut spans).is_empty());
        spans.release(timed);
        assert_eq!(answers(&mut spans), vec![(A, 1), (A, 2)]);

        let cleared = spans.sync_later(A, 3).unwrap();
        spans.sync(A, 4).unwrap();
        spans.cancel(cleared);
        spans.release(cleared);
        assert_eq!(answers(&mut spans), vec![(A, 4)]);
    }

    #[test]
    fn waiting_syncs_are_bounded_in_all_and_per_client() {
        let mut spans = SyncSpans::new(3, 2, 8);
        let _a = spans.hold(A, None).unwrap();
        let _b = spans.hold(B, None).unwrap();
        spans.sync(A, 1).unwrap();
        spans.sync(A, 2).unwrap();
        assert_eq!(spans.sync(A, 3), Err(EngineError::ClientSyncCapacity(2)));
        spans.sync(B, 4).unwrap();
        assert_eq!(spans.sync(B, 5), Err(EngineError::SyncCapacity(3)));
    }

    #[test]
    fn every_place_comes_back_after_a_long_random_run() {
        let clients = [ClientId(1), ClientId(1 << 32 | 1), ClientId(7), ClientId(4096)];
        let mut spans = SyncSpans::new(16, 8, 64);
        let mut held: Vec<(ClientId, SpanId)> = Vec::new();
        let mut synced: Vec<Vec<i32>> = vec![Vec::new(); clients.len()];
        let mut sent: Vec<Vec<i32>> = vec![Vec::new(); clients.len()];
        let mut seed = 0x2545_f491u32;
        for step in 0..50_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let k = (seed >> 3) as usize % clients.len();
            match seed % 4 {
                0 | 1 if held.len() < 64 => held.push((clients[k], spans.hold(clients[k], None).unwrap())),
                2 if !held.is_empty() => {
                    let (_, span) = held.swap_remove((seed >> 8) as usize % held.len());
                    spans.release(span);
                }
                _ => match spans.sync(clients[k], step) {
                    Ok(true) => synced[k].push(step),
                    Ok(false) => sent[k].push(step),
                    Err(_) => {}
                },
            }
            while let Some((client, token)) = spans.next_answer() {
                let k = clients.iter().position(|&c| c == client).unwrap();
                synced[k].push(token);
            }
        }
        for (_, span) in held.drain(..) {
            spans.release(span);
        }
        while let Some((client, token)) = spans.next_answer() {
            let k = clients.iter().position(|&c| c == client).unwrap();
            synced[k].push(token);
        }
        for k in 0..clients.len() {
            let mut in_order = synced[k].clone();
            in_order.sort_unstable();
            assert_eq!(synced[k], in_order, "client {k}'s /syncs in the order sent");
            assert!(sent[k].iter().all(|t| synced[k].contains(t)), "every waiting /sync was answered");
        }
        assert_eq!(spans.waiting(), 0);
        assert_eq!(spans.free_spans.len(), spans.spans.len(), "every span came back");
        assert_eq!(spans.free_clients.len(), spans.clients.len(), "every client place came back");
    }
}
