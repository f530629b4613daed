import Pipeline

/// The scratch space a `RelabelProgram` applies its rules in: the joined source value, names
/// and values being built, and each `replace` rule's remembered results. A value the caller
/// owns (`MetricRelabeler`) and passes in: as arrays stored in the program's class, every use
/// cost a runtime exclusivity check.
struct RelabelWorkspace {
    /// The source values joined by the separator: what a rule's regex is matched against.
    var joined: [UInt8] = []
    /// The source value a `replace` result is remembered under.
    var key: [UInt8] = []
    /// A label name or value being built.
    var name: [UInt8] = []
    var value: [UInt8] = []
    /// The labels `labelmap` visits, taken before it sets any.
    var snapshot: [LabelRecord] = []
    /// Per rule, the memo of a `replace` rule (one without slots for the other actions); made on
    /// first use.
    var memos: [RelabelReplaceMemo] = []
}
