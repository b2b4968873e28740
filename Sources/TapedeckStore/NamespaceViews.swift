import TapedeckSystem
/// A store's namespace views, each made once and shared by whoever asks (the proxy, the cassette browser).
package final class NamespaceViews: Sendable {
    /// The store as it was opened; its view of "" is itself.
    package let store: CassetteStore
    private let made = Mutex([String: CassetteStore]())

    /// Creates the views of `store`.
    package init(_ store: CassetteStore) {
        self.store = store
    }

    /// The store seen through `namespace` ("" is the store itself).
    package func view(_ namespace: String) throws(CassetteError) -> CassetteStore {
        if namespace.isEmpty { return store }
        if let view = made.withLock({ $0[namespace] }) { return view }
        let view = try store.namespace(namespace)
        made.withLock { $0[namespace] = view }
        return view
    }
}
