//! A frame's variables: a handful live inline, so a connection whose rule sets a few
//! locals allocates nothing for them; past eight they move to a hash map, so a rule that
//! sets variables in a loop stays linear.

use smallvec::SmallVec;

use crate::fx::FxMap;
use crate::interp::Var;
use crate::value::Text;

/// Entries looked up by scanning before the map switches to hashing: a scan of this many
/// short names costs less than hashing one.
const SCAN: usize = 8;

/// Variables by name, in a frame or the globals.
#[derive(Debug, Clone)]
pub(crate) enum VarMap<'a> {
    /// Few variables, in the order they were made.
    Few(SmallVec<[(Text<'a>, Var<'a>); 3]>),
    /// Many.
    Many(FxMap<Text<'a>, Var<'a>>),
}

impl Default for VarMap<'_> {
    fn default() -> Self {
        VarMap::Few(SmallVec::new())
    }
}

impl<'a> VarMap<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<&Var<'a>> {
        match self {
            VarMap::Few(v) => v.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v),
            VarMap::Many(m) => m.get(name),
        }
    }

    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut Var<'a>> {
        match self {
            VarMap::Few(v) => v
                .iter_mut()
                .find(|(k, _)| k.as_str() == name)
                .map(|(_, v)| v),
            VarMap::Many(m) => m.get_mut(name),
        }
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name`, returning the variable it replaces.
    pub(crate) fn insert(&mut self, name: Text<'a>, var: Var<'a>) -> Option<Var<'a>> {
        if let Some(slot) = self.get_mut(name.as_str()) {
            return Some(std::mem::replace(slot, var));
        }
        match self {
            VarMap::Few(v) if v.len() < SCAN => v.push((name, var)),
            VarMap::Few(v) => {
                let mut m: FxMap<Text<'a>, Var<'a>> = v.drain(..).collect();
                m.insert(name, var);
                *self = VarMap::Many(m);
            }
            VarMap::Many(m) => {
                m.insert(name, var);
            }
        }
        None
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<Var<'a>> {
        match self {
            VarMap::Few(v) => {
                let i = v.iter().position(|(k, _)| k.as_str() == name)?;
                Some(v.remove(i).1)
            }
            VarMap::Many(m) => m.remove(name),
        }
    }

    pub(crate) fn clear(&mut self) {
        match self {
            VarMap::Few(v) => v.clear(),
            VarMap::Many(_) => *self = VarMap::default(),
        }
    }

    pub(crate) fn iter(&self) -> Box<dyn Iterator<Item = (&Text<'a>, &Var<'a>)> + '_> {
        match self {
            VarMap::Few(v) => Box::new(v.iter().map(|(k, v)| (k, v))),
            VarMap::Many(m) => Box::new(m.iter()),
        }
    }
}

impl<'a> FromIterator<(Text<'a>, Var<'a>)> for VarMap<'a> {
    fn from_iter<I: IntoIterator<Item = (Text<'a>, Var<'a>)>>(items: I) -> Self {
        let mut m = VarMap::default();
        for (k, v) in items {
            m.insert(k, v);
        }
        m
    }
}
