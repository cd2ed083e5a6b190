//! The commands one message asks for: almost always one, kept inline so that parsing a
//! message allocates nothing for them; a message of several ids (`/node/free 1 2 3`)
//! keeps them in a `Vec`.
//!
//! Context: NRT (network thread, renderer).

use std::ops::{Deref, DerefMut};

use crate::engine::Command;

/// One message's commands, in order.
#[derive(Debug)]
pub enum CommandList {
    /// The usual case.
    One(Command),
    /// None, or more than one.
    Many(Vec<Command>),
}

impl CommandList {
    /// Adds `command` after the others.
    pub fn push(&mut self, command: Command) {
        match self {
            CommandList::Many(commands) => commands.push(command),
            CommandList::One(_) => {
                let CommandList::One(first) = std::mem::replace(self, CommandList::Many(Vec::with_capacity(2))) else {
                    unreachable!("matched One above")
                };
                *self = CommandList::Many(vec![first, command]);
            }
        }
    }
}

impl From<Vec<Command>> for CommandList {
    fn from(commands: Vec<Command>) -> Self {
        CommandList::Many(commands)
    }
}

impl Deref for CommandList {
    type Target = [Command];

    fn deref(&self) -> &[Command] {
        match self {
            CommandList::One(command) => std::slice::from_ref(command),
            CommandList::Many(commands) => commands,
        }
    }
}

impl DerefMut for CommandList {
    fn deref_mut(&mut self) -> &mut [Command] {
        match self {
            CommandList::One(command) => std::slice::from_mut(command),
            CommandList::Many(commands) => commands,
        }
    }
}

impl IntoIterator for CommandList {
    type Item = Command;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        match self {
            CommandList::One(command) => IntoIter::One(Some(command)),
            CommandList::Many(commands) => IntoIter::Many(commands.into_iter()),
        }
    }
}

/// The commands of a [`CommandList`], by value.
#[derive(Debug)]
pub enum IntoIter {
    /// Of [`CommandList::One`].
    One(Option<Command>),
    /// Of [`CommandList::Many`].
    Many(std::vec::IntoIter<Command>),
}

impl Iterator for IntoIter {
    type Item = Command;

    fn next(&mut self) -> Option<Command> {
        match self {
            IntoIter::One(command) => command.take(),
            IntoIter::Many(commands) => commands.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            IntoIter::One(command) => command.is_some() as usize,
            IntoIter::Many(commands) => commands.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for IntoIter {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ClientId;

    fn free(id: i32) -> Command {
        Command::NodeFree { client: ClientId(0), id }
    }

    fn ids(list: &CommandList) -> Vec<i32> {
        list.iter()
            .map(|c| match c {
                Command::NodeFree { id, .. } => *id,
                _ => -1,
            })
            .collect()
    }

    #[test]
    fn one_command_stays_inline_and_more_keep_their_order() {
        let mut list = CommandList::One(free(1));
        assert_eq!(ids(&list), [1]);
        assert!(matches!(list, CommandList::One(_)));
        list.push(free(2));
        list.push(free(3));
        assert_eq!(ids(&list), [1, 2, 3]);
        let back: Vec<Command> = list.into_iter().collect();
        assert_eq!(back.len(), 3);
        let mut empty = CommandList::from(Vec::new());
        assert!(empty.is_empty());
        empty.push(free(4));
        assert_eq!(ids(&empty), [4]);
    }
}
