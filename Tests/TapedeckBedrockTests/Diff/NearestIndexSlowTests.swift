import Testing
@testable import TapedeckBedrock
import TapedeckTestSupport

/// NearestIndex under a concurrent load: four workers inserting 2,000 requests and looking up as they go.
@Suite(.tags(.slow)) struct NearestIndexSlowTests {
    @Test func concurrentInsertsAndLookups() async {
        let index = NearestIndex()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for number in stride(from: worker, to: 2_000, by: 4) {
                        index.insert(key: "k\(number)", model: "m", namespace: "ns", request: NearestIndexTests.generated(number))
                        _ = index.nearest(model: "m", namespace: "ns", request: NearestIndexTests.generated(number + 1))
                    }
                }
            }
        }
        #expect(index.count == 2_000)
        #expect(index.nearest(model: "m", namespace: "ns", request: NearestIndexTests.generated(1_999))?.key == "k1999")
    }
}
