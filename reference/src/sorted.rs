//! Maps and sets kept as sorted vectors.
//!
//! The model's collections hold a handful of entries each. A B-tree allocates a node with
//! room for eleven entries for the first one, and exhaustive exploration keeps hundreds of
//! thousands of states at once, so a vector with exactly the entries there are takes a
//! fraction of the memory and clones in one allocation. Entries stay sorted by key, so
//! iteration goes in key order as a B-tree's does, and two collections with the same
//! entries are equal and hash alike.

use std::ops::Index;

/// A map kept as a vector of entries sorted by key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> SortedMap<K, V> {
        SortedMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// An empty map; it allocates nothing until an entry is inserted.
    pub(crate) fn new() -> SortedMap<K, V> {
        SortedMap::default()
    }

    /// Where a key is, or where it would go.
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// The value of a key.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of a key, to change.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether the map has a key.
    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    /// Sets a key's value.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        match self.find(&key) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// Takes a key out, with its value.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The value of a key, inserted as the default first if the key is missing.
    pub(crate) fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Every entry, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Every key, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Every value, in key order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Every value, in key order, to change.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Whether the map has no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Ord, V> Index<&K> for SortedMap<K, V> {
    type Output = V;

    /// The value of a key that is in the map.
    fn index(&self, key: &K) -> &V {
        self.get(key).expect("a key of the map")
    }
}

/// A set kept as a sorted vector: what a machine or LUN set of the model needs, without a
/// B-tree node for each.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortedSet<T> {
    items: Vec<T>,
}

impl<T> Default for SortedSet<T> {
    fn default() -> SortedSet<T> {
        SortedSet { items: Vec::new() }
    }
}

impl<T: Ord> SortedSet<T> {
    /// An empty set; it allocates nothing until an item is inserted.
    pub fn new() -> SortedSet<T> {
        SortedSet::default()
    }

    /// Whether the set holds an item.
    pub fn contains(&self, item: &T) -> bool {
        self.items.binary_search(item).is_ok()
    }

    /// Adds an item; `false` if it was there already.
    pub fn insert(&mut self, item: T) -> bool {
        match self.items.binary_search(&item) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item);
                true
            }
        }
    }

    /// Takes an item out; `false` if it was not there.
    pub fn remove(&mut self, item: &T) -> bool {
        match self.items.binary_search(item) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Every item, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// How many items the set holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    /// The set of the items, each once.
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> SortedSet<T> {
        let mut items: Vec<T> = items.into_iter().collect();
        items.sort();
        items.dedup();
        SortedSet { items }
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> std::slice::Iter<'a, T> {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_keeps_its_entries_in_key_order() {
        let mut map = SortedMap::new();
        for (k, v) in [(3, 'c'), (1, 'a'), (2, 'b'), (1, 'z')] {
            map.insert(k, v);
        }
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [(&1, &'z'), (&2, &'b'), (&3, &'c')]
        );
        assert_eq!(map.remove(&2), Some('b'));
        assert_eq!(map.remove(&2), None);
        *map.get_or_default(0) = 'y';
        assert_eq!(map.keys().copied().collect::<Vec<_>>(), [0, 1, 3]);
        map.retain(|k, _| *k != 1);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), ['y', 'c']);
        assert_eq!(map[&3], 'c');
        assert!(!map.contains_key(&1));
    }

    #[test]
    fn maps_with_the_same_entries_are_equal_whatever_the_order_of_insertion() {
        let mut a = SortedMap::new();
        let mut b = SortedMap::new();
        a.insert(1, ());
        a.insert(2, ());
        b.insert(2, ());
        b.insert(1, ());
        assert_eq!(a, b);
    }

    #[test]
    fn a_set_holds_each_item_once_in_order() {
        let mut set: SortedSet<u8> = [3, 1, 3].into_iter().collect();
        assert!(set.insert(2));
        assert!(!set.insert(2));
        assert!(set.remove(&3));
        assert!(!set.remove(&3));
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [1, 2]);
        assert!(set.contains(&1) && !set.contains(&3));
        assert_eq!(set.len(), 2);
    }
}
