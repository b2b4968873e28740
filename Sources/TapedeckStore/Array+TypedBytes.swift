/// `withUnsafeBytes` for bodies that throw `CassetteError`: the standard one rethrows untyped errors.
extension Array where Element == UInt8 {
    /// Calls `body` with the array's bytes, valid only during the call.
    func withBytes(_ body: (UnsafeRawBufferPointer) throws(CassetteError) -> Void) throws(CassetteError) {
        var failure: CassetteError?
        withUnsafeBytes { raw in
            do throws(CassetteError) {
                try body(raw)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Calls `body` with the array's bytes to change, valid only during the call.
    mutating func withMutableBytes(_ body: (UnsafeMutableRawBufferPointer) throws(CassetteError) -> Void) throws(CassetteError) {
        var failure: CassetteError?
        withUnsafeMutableBytes { raw in
            do throws(CassetteError) {
                try body(raw)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }
}
