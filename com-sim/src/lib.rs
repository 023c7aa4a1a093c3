//! The simulator served as COM objects.
