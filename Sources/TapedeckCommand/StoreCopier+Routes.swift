import TapedeckStore
/// Which namespace of the source goes into which namespace of the destination.
extension StoreCopier {
    /// Where a copy reads and writes: the routes, and the source and destination as the summary names them.
    struct Plan {
        let routes: [Route]
        let source: String
        let destination: String
    }

    /// Plans copying the store `source` names (`sourceFlag` says which flag named it; `namespace` is `--namespace`,
    /// nil when not given) into the store `destination` names, made when missing: every namespace into the
    /// namespace of the same name, or one namespace (`SRC#NAME`, `--namespace NAME`) into its namespace of the same
    /// name, or into `OTHER` when the destination ends in `#OTHER`. A destination naming a namespace takes only one
    /// source namespace: a source with several, none picked, is a bad command line.
    static func plan(
        source: String, sourceFlag: String, namespace: String?, destination: String, destinationFlag: String
    ) throws(CommandFailure) -> Plan {
        let scope = try StoreScope.open(source, namespace: namespace, flag: sourceFlag)
        let (location, into) = try StoreOption.split(destination, flag: destinationFlag)
        if !into.isEmpty, !scope.isPicked, scope.views.count > 1 {
            let names = scope.views.map(\.label).joined(separator: ", ")
            let source = StoreLocation.masked(source)
            let pick = sourceFlag == "store" ? "--store \(source)#NAME or --namespace NAME" : "--\(sourceFlag) \(source)#NAME"
            throw CommandFailure(usage: UsageError(
                "--\(destinationFlag) \(StoreLocation.masked(destination)) names one namespace, but \(scope.description) has several: \(names); pick the one to copy with \(pick)"))
        }
        let target = try StoreOption.openLocation(location, spec: destination, flag: destinationFlag, create: true)
        var routes: [Route] = []
        for view in scope.views {
            routes.append(Route(source: view.store, destination: try StoreOption.view(into.isEmpty ? view.name : into, of: target)))
        }
        let named = routes.count == 1 ? routes[0].destination.description : target.description
        return Plan(routes: routes, source: scope.description, destination: named)
    }
}
