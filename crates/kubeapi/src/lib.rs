//! The Kubernetes API front: see ARCHITECTURE.md.
