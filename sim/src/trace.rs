//! What happens underneath the requester API, step by step, for learners and for tests.

use std::fmt;

use vss_model::{HResult, VssId, WriterEvent};

/// One thing the service, a provider or a writer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceEvent {
    /// VSS called a provider method.
    ProviderCall {
        /// The machine.
        machine: String,
        /// The provider's name.
        provider: String,
        /// The method and its arguments, as text.
        call: String,
        /// What the provider returned.
        result: HResult,
        /// Whether the result came from an injected fault.
        injected: bool,
    },
    /// VSS sent the writers an event.
    Writers {
        /// The machine.
        machine: String,
        /// The event.
        event: WriterEvent,
        /// Each writer that heard it, and its answer.
        answers: Vec<(String, HResult)>,
    },
    /// A shadow copy came into being.
    Created {
        /// The machine.
        machine: String,
        /// The shadow copy.
        snapshot: VssId,
        /// Its device object.
        device: String,
        /// The volume it copies, as the requester named it.
        volume: String,
    },
    /// A shadow copy went away.
    Deleted {
        /// The machine.
        machine: String,
        /// The shadow copy.
        snapshot: VssId,
        /// Why.
        reason: String,
    },
    /// Anything else worth seeing: the creation lock, held writes, a translated code.
    Note {
        /// The machine.
        machine: String,
        /// What happened.
        text: String,
    },
    /// Events that were not kept: a world keeps the last [`TRACE_KEPT`] events until they
    /// are taken, so that one nobody reads does not grow without end.
    NotKept {
        /// How many events, before the ones that follow, were let go.
        count: u64,
    },
}

/// How many events a world keeps until they are taken. One call makes a few dozen at most,
/// and every front end takes the trace after each call or step; a program that never takes
/// it keeps a few hundred kilobytes of it, not a history that slows every later call.
pub const TRACE_KEPT: usize = 4_096;

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceEvent::ProviderCall {
                machine,
                provider,
                call,
                result,
                injected,
            } => {
                let injected = if *injected { " (injected)" } else { "" };
                write!(
                    f,
                    "{machine}: provider \"{provider}\" {call} -> {result}{injected}"
                )
            }
            TraceEvent::Writers {
                machine,
                event,
                answers,
            } => {
                write!(f, "{machine}: writers {event}:")?;
                let all_ok = answers.iter().all(|(_, hr)| *hr == HResult::S_OK);
                for (i, (writer, hr)) in answers.iter().enumerate() {
                    let sep = if i == 0 { " " } else { ", " };
                    write!(f, "{sep}{writer}")?;
                    if !all_ok {
                        write!(f, " -> {hr}")?;
                    }
                }
                if answers.is_empty() {
                    f.write_str(" none taking part")?;
                } else if all_ok {
                    f.write_str(" -> S_OK")?;
                }
                Ok(())
            }
            TraceEvent::Created {
                machine,
                snapshot,
                device,
                volume,
            } => write!(
                f,
                "{machine}: shadow copy {snapshot} of {volume} created as {device}"
            ),
            TraceEvent::Deleted {
                machine,
                snapshot,
                reason,
            } => write!(f, "{machine}: shadow copy {snapshot} deleted ({reason})"),
            TraceEvent::Note { machine, text } => write!(f, "{machine}: {text}"),
            TraceEvent::NotKept { count } => write!(
                f,
                "{count} earlier events not kept (the trace keeps the last {TRACE_KEPT} until they are taken)"
            ),
        }
    }
}
