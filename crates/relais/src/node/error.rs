//! Why a node could not start: one message naming the setting or the step.

#[derive(Debug)]
pub struct NodeError(pub String);

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NodeError {}

impl NodeError {
    /// Prefixes an underlying error with what was being done.
    pub fn during(context: &str, e: impl std::fmt::Display) -> NodeError {
        NodeError(format!("{context}: {e}"))
    }
}
