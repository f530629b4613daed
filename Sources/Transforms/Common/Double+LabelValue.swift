extension Double {
    /// The number as a label value (`le`, `quantile`, a templated field) and in messages:
    /// whole numbers without a fraction (`1`, not `1.0`), others as Swift prints them
    /// (`0.5`, `0.005`), so a bound reads as the user wrote it.
    var labelValue: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
