//! A run as a timeline: after each step, the array's LUNs and the machines' shadow copies.
//!
//! A [`Timeline`] is a start state and a list of steps, each a label and the state after
//! it; it knows nothing of where the steps come from. [`WorldState::capture`] reads the
//! state of a simulator at any moment, so a front end that drives the simulator in its own
//! way (a scenario file, a DiskShadow script) pushes a label and a capture after each of
//! its steps, and the timeline draws itself in any [`Format`]: what changed at each step
//! is what a learner reads.

use vss_model::VssId;

use super::Format;
use super::svg::{Cell, Style, Table};
use super::text::{dot_lines, mermaid, mermaid_lines, short_id, wrap};
use vss_sim::world_state::{ArrayLun, LunRole, ShadowCopyView, WorldState};
/// One step of a timeline: where it ran, what it was, and the state after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineStep {
    /// The machine it ran on.
    pub machine: String,
    /// What it was and what came of it, as the diagram shows it:
    /// `9 backup DoSnapshotSet -> S_OK`.
    pub label: String,
    /// The LUNs and shadow copies right after it.
    pub state: WorldState,
}

/// A run: the state before its first step, then each step with the state after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// What the run was: the scenario file, the script.
    pub title: String,
    /// The world's machines, in its order.
    pub machines: Vec<String>,
    /// The state before the first step.
    pub start: WorldState,
    /// The steps, in order.
    pub steps: Vec<TimelineStep>,
}

impl Timeline {
    /// A timeline with no step yet.
    pub fn new(title: impl Into<String>, machines: Vec<String>, start: WorldState) -> Timeline {
        Timeline {
            title: title.into(),
            machines,
            start,
            steps: Vec::new(),
        }
    }

    /// Adds a step: the machine it ran on, its label, and the state after it.
    pub fn push(
        &mut self,
        machine: impl Into<String>,
        label: impl Into<String>,
        state: WorldState,
    ) {
        self.steps.push(TimelineStep {
            machine: machine.into(),
            label: label.into(),
            state,
        });
    }

    /// The timeline in a format.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Mermaid => self.mermaid(),
            Format::Dot => self.dot(),
            Format::Svg => self.svg(),
        }
    }

    /// Each step with the state before it.
    fn pairs(&self) -> impl Iterator<Item = (&WorldState, &TimelineStep)> {
        let befores = std::iter::once(&self.start).chain(self.steps.iter().map(|s| &s.state));
        befores.zip(&self.steps)
    }

    /// Whether any state has a LUN: a world without an array draws none.
    fn has_luns(&self) -> bool {
        !self.start.luns.is_empty() || self.steps.iter().any(|s| !s.state.luns.is_empty())
    }

    /// The machines to draw: the world's, then any a step names that the world does not.
    fn participants(&self) -> Vec<String> {
        let mut all = self.machines.clone();
        for step in &self.steps {
            if !all.iter().any(|m| m.eq_ignore_ascii_case(&step.machine)) {
                all.push(step.machine.clone());
            }
        }
        all
    }

    fn mermaid(&self) -> String {
        let participants = self.participants();
        let id = |machine: &str| {
            let i = participants
                .iter()
                .position(|m| m.eq_ignore_ascii_case(machine))
                .unwrap_or(0);
            format!("M{i}")
        };
        let mut out = String::from("sequenceDiagram\n");
        out.push_str(&format!("    %% {}\n", self.title.replace('\n', " ")));
        for (i, machine) in participants.iter().enumerate() {
            out.push_str(&format!("    participant M{i} as {}\n", mermaid(machine)));
        }
        let luns = self.has_luns();
        if luns {
            out.push_str("    participant SAN as storage array\n");
        }
        let last = match luns {
            true => "SAN".to_string(),
            false => format!("M{}", participants.len().saturating_sub(1)),
        };
        let mut start = vec!["before the first step".to_string()];
        start.extend(state_lines(&self.start));
        out.push_str(&format!(
            "    Note over M0,{last}: {}\n",
            mermaid_lines(&start)
        ));
        for (before, step) in self.pairs() {
            let me = id(&step.machine);
            out.push_str(&format!("    {me}->>{me}: {}\n", mermaid(&step.label)));
            let lines = lun_changes(before, &step.state);
            if !lines.is_empty() {
                out.push_str(&format!("    Note over SAN: {}\n", mermaid_lines(&lines)));
            }
            for (machine, lines) in copy_changes(before, &step.state) {
                out.push_str(&format!(
                    "    Note over {}: {}\n",
                    id(&machine),
                    mermaid_lines(&lines)
                ));
            }
        }
        out
    }

    fn dot(&self) -> String {
        let mut out = String::from("digraph timeline {\n");
        out.push_str(&format!(
            "    label=\"{}\";\n    labelloc=t;\n    rankdir=TB;\n",
            dot_lines(std::slice::from_ref(&self.title))
        ));
        out.push_str("    node [shape=box, fontname=\"Courier\", fontsize=10];\n");
        out.push_str("    edge [arrowsize=0.6];\n");
        let mut start = vec!["before the first step".to_string()];
        start.extend(state_lines(&self.start));
        out.push_str(&format!("    step0 [label=\"{}\"];\n", dot_lines(&start)));
        for (n, (before, step)) in self.pairs().enumerate() {
            let n = n + 1;
            out.push_str(&format!(
                "    step{n} [label=\"{}\"];\n    step{} -> step{n};\n",
                dot_lines(&[format!("{}: {}", step.machine, step.label)]),
                n - 1
            ));
            let mut lines = lun_changes(before, &step.state);
            for (machine, changes) in copy_changes(before, &step.state) {
                lines.extend(changes.into_iter().map(|c| format!("{machine}: {c}")));
            }
            if !lines.is_empty() {
                out.push_str(&format!(
                    "    change{n} [shape=note, label=\"{}\"];\n    {{ rank=same; step{n}; change{n}; }}\n    step{n} -> change{n} [style=dotted, arrowhead=none];\n",
                    dot_lines(&lines)
                ));
            }
        }
        out.push_str("}\n");
        out
    }

    /// The SVG form: a table of steps by LUNs and by each machine's shadow copies, the
    /// cells a step changed in yellow.
    fn svg(&self) -> String {
        let mut names: Vec<String> = self
            .steps
            .iter()
            .flat_map(|s| s.state.luns.iter())
            .chain(&self.start.luns)
            .map(|l| l.name.clone())
            .collect();
        names.sort();
        names.dedup();
        let machines = self.participants();
        let columns = |state: &WorldState| -> Vec<Vec<String>> {
            let luns = names.iter().map(|name| {
                state
                    .luns
                    .iter()
                    .find(|l| l.name == *name)
                    .map_or_else(Vec::new, lun_cell)
            });
            let copies = machines.iter().map(|machine| {
                state
                    .shadow_copies
                    .iter()
                    .filter(|c| c.machine.eq_ignore_ascii_case(machine))
                    .map(copy_cell)
                    .collect()
            });
            luns.chain(copies).collect()
        };
        let mut header = vec![Cell::new(vec!["step".into()], Style::Header)];
        header.extend(
            names
                .iter()
                .map(|n| Cell::new(vec![n.clone()], Style::Header)),
        );
        header.extend(
            machines
                .iter()
                .map(|m| Cell::new(vec![format!("shadow copies on {m}")], Style::Header)),
        );
        let mut rows = vec![header];
        let mut previous = columns(&self.start);
        let mut first = vec![Cell::new(
            vec!["before the first step".into()],
            Style::Header,
        )];
        first.extend(
            previous
                .iter()
                .map(|lines| Cell::new(lines.clone(), Style::Plain)),
        );
        rows.push(first);
        for step in &self.steps {
            let now = columns(&step.state);
            let label = wrap(&format!("{}: {}", step.machine, step.label), 44);
            let mut row = vec![Cell::new(label, Style::Header)];
            for (cell, before) in now.iter().zip(&previous) {
                let style = if cell == before {
                    Style::Plain
                } else {
                    Style::Changed
                };
                row.push(Cell::new(cell.clone(), style));
            }
            rows.push(row);
            previous = now;
        }
        Table {
            title: self.title.clone(),
            rows,
            notes: vec![
                "Yellow: changed by the step. Each LUN: what it is to VSS, the machines it is unmasked".into(),
                "to (masked: none), read-only (ro) or read-write (rw), hidden, and its disk identity.".into(),
            ],
        }
        .render()
    }
}

/// A GPT identity shortened as GUIDs are elsewhere in the diagrams.
fn short_identity(identity: &str) -> String {
    match identity.strip_prefix("GPT ") {
        Some(guid) => match guid.parse::<VssId>() {
            Ok(id) => format!("GPT {}", short_id(id)),
            Err(_) => identity.to_string(),
        },
        None => identity.to_string(),
    }
}

fn role_text(role: LunRole) -> String {
    match role {
        LunRole::Original => "original".into(),
        LunRole::ShadowCopy {
            snapshot,
            transported: false,
        } => format!("LUN of shadow copy {}", short_id(snapshot)),
        LunRole::ShadowCopy {
            snapshot,
            transported: true,
        } => format!("LUN of transported shadow copy {}", short_id(snapshot)),
        LunRole::Broken => "broken off: an ordinary disk".into(),
        LunRole::Unclaimed => "a clone no shadow copy claims".into(),
        LunRole::Deleted => "deleted".into(),
    }
}

fn visibility(lun: &ArrayLun) -> String {
    match lun.visible_to.is_empty() {
        true => "masked from every machine".into(),
        false => format!("visible to {}", lun.visible_to.join(" ")),
    }
}

fn flags(lun: &ArrayLun) -> String {
    let mut text = String::from(if lun.read_only {
        "read-only"
    } else {
        "read-write"
    });
    if lun.hidden {
        text.push_str(", hidden");
    }
    text
}

/// A LUN in full: `LUN-E.5: LUN of shadow copy {…}, differential clone of LUN-E, …`.
fn lun_text(lun: &ArrayLun) -> String {
    if lun.role == LunRole::Deleted {
        return format!("{}: deleted", lun.name);
    }
    let mut text = format!("{}: {}", lun.name, role_text(lun.role));
    if let Some(source) = &lun.clone_of {
        let kind = lun.clone_kind.unwrap_or("a");
        text.push_str(&format!(", {kind} clone of {source}"));
    }
    text.push_str(&format!(
        ", {}, {}, {}",
        visibility(lun),
        flags(lun),
        short_identity(&lun.identity)
    ));
    text
}

/// What a LUN's cell of the SVG table shows.
fn lun_cell(lun: &ArrayLun) -> Vec<String> {
    let role = match lun.role {
        LunRole::Original => "original".to_string(),
        LunRole::ShadowCopy {
            snapshot,
            transported,
        } => {
            let how = if transported { ", transported" } else { "" };
            format!("copy {}{how}", short_id(snapshot))
        }
        LunRole::Broken => "broken off".into(),
        LunRole::Unclaimed => "unclaimed clone".into(),
        LunRole::Deleted => return vec!["deleted".into()],
    };
    let seen = match lun.visible_to.is_empty() {
        true => "masked".to_string(),
        false => lun.visible_to.join(" "),
    };
    let mut flags = String::from(if lun.read_only { "ro" } else { "rw" });
    if lun.hidden {
        flags.push_str(" hidden");
    }
    vec![role, seen, flags, short_identity(&lun.identity)]
}

/// A shadow copy in full: `{…} of HOSTA E:\: hardware, \\?\GLOBALROOT\…`.
fn copy_text(copy: &ShadowCopyView) -> String {
    let kind = if copy.hardware {
        "hardware"
    } else {
        "software"
    };
    let mut text = format!("{} of {}: {kind}", short_id(copy.id), copy.original);
    if copy.transported {
        text.push_str(", transported: on no machine until imported");
    } else {
        text.push_str(&format!(", {}", copy.device));
    }
    if let Some(name) = &copy.exposed {
        text.push_str(&format!(", exposed as {name}"));
    }
    text
}

/// What a shadow copy's line in the SVG table shows.
fn copy_cell(copy: &ShadowCopyView) -> String {
    let mut text = format!("{} of {}", short_id(copy.id), copy.original);
    if copy.transported {
        text.push_str(", transported");
    }
    if let Some(name) = &copy.exposed {
        text.push_str(&format!(", as {name}"));
    }
    text
}

/// A whole state, one line per LUN and per shadow copy.
fn state_lines(state: &WorldState) -> Vec<String> {
    let mut lines: Vec<String> = state.luns.iter().map(lun_text).collect();
    if state.shadow_copies.is_empty() {
        lines.push("no shadow copy".into());
    }
    for copy in &state.shadow_copies {
        lines.push(format!("{}: shadow copy {}", copy.machine, copy_text(copy)));
    }
    lines
}

/// What a step changed of the LUNs, one line per LUN: a new one in full, a changed one
/// with what changed.
fn lun_changes(before: &WorldState, after: &WorldState) -> Vec<String> {
    let mut lines = Vec::new();
    for lun in &after.luns {
        let Some(old) = before.luns.iter().find(|l| l.name == lun.name) else {
            lines.push(format!("new {}", lun_text(lun)));
            continue;
        };
        if old == lun {
            continue;
        }
        if lun.role == LunRole::Deleted {
            lines.push(format!("{}: deleted", lun.name));
            continue;
        }
        let mut what = Vec::new();
        if old.role != lun.role {
            what.push(role_text(lun.role));
        }
        if old.visible_to != lun.visible_to {
            what.push(visibility(lun));
        }
        if old.read_only != lun.read_only {
            what.push(
                if lun.read_only {
                    "read-only"
                } else {
                    "read-write"
                }
                .into(),
            );
        }
        if old.hidden != lun.hidden {
            what.push(
                if lun.hidden {
                    "hidden"
                } else {
                    "no longer hidden"
                }
                .into(),
            );
        }
        if old.identity != lun.identity {
            // A broken LUN may be given back the identity of the LUN it was cloned from.
            let original = lun
                .clone_of
                .as_ref()
                .and_then(|source| after.luns.iter().find(|l| &l.name == source));
            let identity = short_identity(&lun.identity);
            what.push(match original {
                Some(source) if source.identity == lun.identity => {
                    format!("identity reverted to {}'s, {identity}", source.name)
                }
                _ => format!("new identity {identity}"),
            });
        }
        if old.clone_of != lun.clone_of || old.clone_kind != lun.clone_kind {
            what.push(lun_text(lun));
        }
        lines.push(format!("{}: {}", lun.name, what.join(", ")));
    }
    for old in &before.luns {
        if !after.luns.iter().any(|l| l.name == old.name) {
            lines.push(format!("{}: no longer on the array", old.name));
        }
    }
    lines
}

/// What a step changed of the shadow copies, by the machine each change shows on: a copy
/// that came or moved there, a copy that went away from there, a copy exposed or no
/// longer.
fn copy_changes(before: &WorldState, after: &WorldState) -> Vec<(String, Vec<String>)> {
    let mut by_machine: Vec<(String, Vec<String>)> = Vec::new();
    let mut note = |machine: &str, line: String| match by_machine
        .iter_mut()
        .find(|(m, _)| m.eq_ignore_ascii_case(machine))
    {
        Some((_, lines)) => lines.push(line),
        None => by_machine.push((machine.to_string(), vec![line])),
    };
    for old in &before.shadow_copies {
        if !after.shadow_copies.iter().any(|c| c.id == old.id) {
            note(
                &old.machine,
                format!(
                    "- {} of {}: no longer a shadow copy",
                    short_id(old.id),
                    old.original
                ),
            );
        }
    }
    for copy in &after.shadow_copies {
        match before.shadow_copies.iter().find(|c| c.id == copy.id) {
            None => note(&copy.machine, format!("+ {}", copy_text(copy))),
            Some(old) if old == copy => {}
            Some(old) if !old.machine.eq_ignore_ascii_case(&copy.machine) => {
                note(
                    &copy.machine,
                    format!("+ {} (from {})", copy_text(copy), old.machine),
                );
            }
            Some(_) => note(&copy.machine, format!("~ {}", copy_text(copy))),
        }
    }
    by_machine
}

#[cfg(test)]
mod tests;
