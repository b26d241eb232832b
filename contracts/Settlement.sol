// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {GridRoleGate} from "./GridRoleGate.sol";
import {GridDemandResponse} from "./DemandResponse.sol";
import {GridTerms} from "./GridTerms.sol";

/// @title did:grid settlement (reference consumer of the role gate)
/// @notice Turns the delivered response of an event's accepted bids into subsidies, pay as bid, by
/// the rule of the embedded example (examples/demand-response/settlement-contract.ts), in integer
/// arithmetic: committed Wh = capacity kW × event seconds / 3.6, rounded half to even; delivered
/// below half the commitment earns nothing, else the payable Wh is the delivered Wh up to the
/// commitment; subsidy = payable Wh × min(bid price, cap) / 1000, rounded half to even to whole fen.
/// The user acted for is paid, or the aggregator that bid for it when it claimed the subsidy under a
/// mandate covering `settlement.receive` (a second attested role decision). The settlement records'
/// RFC 6962 Merkle root (SHA-256) is stored and emitted. Payees are keccak256 hashes of DIDs.
/// @dev See spec/did-grid.md, "Role checks on chain". The gate is called last.
contract GridSettlement {
    /// @notice One settled bid; its leaf is `sha256(0x00 ‖ keccak256(abi.encode(record)))`.
    struct Record {
        bytes32 eventId;
        uint256 bid;
        /// keccak256 of the bidder's DID.
        bytes32 participant;
        GridDemandResponse.Role role;
        bytes32 actingFor;
        bytes32 payee;
        bool viaMandate;
        uint64 committedWh;
        uint64 deliveredKwh;
        uint64 payableWh;
        uint64 priceFen;
        uint64 subsidyFen;
    }

    /// @notice An event's settlement state.
    struct Settlement {
        bytes16 challenge;
        bool opened;
        bool settled;
    }

    /// @notice A settlement in progress: the next index into the event's bids, records and fen so far.
    struct Progress {
        uint256 next;
        uint256 records;
        uint256 totalFen;
    }

    uint256 private constant MAX_SAFE_INTEGER = 2 ** 53 - 1;
    bytes32 private constant AGGREGATOR = keccak256("aggregator");
    bytes32 private constant SETTLEMENT_RECEIVE = keccak256("settlement.receive");

    /// @notice The role gate whose attested decisions this contract accepts.
    GridRoleGate public immutable gate;
    /// @notice The demand-response contract whose bids and deliveries are settled.
    GridDemandResponse public immutable demandResponse;
    /// @notice The utility's settlement account: opens and settles events.
    address public immutable operator;

    mapping(bytes32 => Settlement) private _settlements;
    /// @notice Bids whose subsidy the aggregator that made them claimed under a mandate.
    mapping(uint256 => bool) public claimed;
    /// @notice Subsidy credited to each payee (keccak256 of its DID), whole fen.
    mapping(bytes32 => uint256) public owed;
    /// @notice The Merkle root of each settled event's records.
    mapping(bytes32 => bytes32) public roots;
    mapping(bytes32 => Progress) private _progress;
    /// @dev The Merkle frontier of a settlement in progress (see _append).
    mapping(bytes32 => bytes32[]) private _frontier;

    event SettlementOpened(bytes32 indexed eventId, bytes16 challenge);
    event Claimed(uint256 indexed n, bytes32 indexed aggregator);
    event Paid(bytes32 indexed eventId, uint256 indexed n, bytes32 indexed payee, bool viaMandate, uint64 payableWh, uint64 subsidyFen);
    event Settled(bytes32 indexed eventId, bytes32 merkleRoot, uint256 records, uint256 totalFen);

    error NotOperator(address caller);
    error UnknownEvent(bytes32 eventId);
    error EventNotOver(uint256 timestamp, uint64 end);
    error AlreadyOpen(bytes32 eventId);
    error NotOpen(bytes32 eventId);
    error AlreadySettled(bytes32 eventId);
    error NoSuchBid(uint256 n);
    error NotMandateBid(uint256 n);
    error AlreadyClaimed(uint256 n);
    error TermsMismatch(bytes32 expected, bytes32 attested);
    error AttestationMismatch(string field);
    error NothingToSettle(bytes32 eventId);
    error AmountTooLarge(uint256 n, uint256 value);
    error EmptyBatch();

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    /// @param gate_ The `GridRoleGate` to consume; the deployer becomes the operator.
    /// @param demandResponse_ The `GridDemandResponse` whose events are settled here.
    constructor(address gate_, address demandResponse_) {
        gate = GridRoleGate(gate_);
        demandResponse = GridDemandResponse(demandResponse_);
        operator = msg.sender;
    }

    /// @notice Opens an event's settlement after its end. The challenge is the nonce of the
    /// aggregators' `settlement.receive` presentations.
    function open(bytes32 eventId) external onlyOperator {
        GridDemandResponse.Event memory e = demandResponse.events(eventId);
        if (e.bidsCloseAt == 0) revert UnknownEvent(eventId);
        if (block.timestamp < e.end) revert EventNotOver(block.timestamp, e.end);
        if (_settlements[eventId].opened) revert AlreadyOpen(eventId);
        bytes16 challenge = bytes16(keccak256(abi.encode(address(this), eventId, block.number, block.timestamp)));
        _settlements[eventId] = Settlement(challenge, true, false);
        emit SettlementOpened(eventId, challenge);
    }

    /// @notice The aggregator that made bid `n` for a user claims its subsidy under a mandate covering
    /// `settlement.receive`. Checks, in order: the bid, its event's settlement open and not settled,
    /// a bid by an aggregator for another user, not claimed yet, the terms' digest, the attestation's
    /// fields (role, action, subject = the bidder, actingFor = the bid's user); then the gate.
    function claim(uint256 n, GridRoleGate.RoleAttestation calldata a, bytes[] calldata signatures) external {
        if (n == 0 || n > demandResponse.bidCount()) revert NoSuchBid(n);
        GridDemandResponse.AcceptedBid memory b = demandResponse.bids(n);
        Settlement storage s = _settlements[b.eventId];
        if (!s.opened) revert NotOpen(b.eventId);
        if (s.settled) revert AlreadySettled(b.eventId);
        if (b.role != GridDemandResponse.Role.Aggregator || b.subject == b.actingFor) revert NotMandateBid(n);
        if (claimed[n]) revert AlreadyClaimed(n);
        bytes32 expected = claimTermsDigest(b.eventId, n);
        if (a.terms != expected) revert TermsMismatch(expected, a.terms);
        if (a.role != AGGREGATOR) revert AttestationMismatch("role");
        if (a.action != SETTLEMENT_RECEIVE) revert AttestationMismatch("action");
        if (a.subject != b.subject) revert AttestationMismatch("subject");
        if (a.actingFor != b.actingFor) revert AttestationMismatch("actingFor");

        claimed[n] = true;
        emit Claimed(n, b.subject);

        gate.verify(a, signatures);
    }

    /// @notice Settles an event in one transaction: every remaining accepted bid (see settleBatch).
    function settle(bytes32 eventId) external onlyOperator {
        _settle(eventId, type(uint256).max);
    }

    /// @notice Settles the event's next `maxBids` accepted bids in bid order, so that an event of any
    /// size settles within the block gas limit: one record per bid with a delivery, each payee
    /// credited and `Paid` emitted. The transaction that reaches the last bid stores the records'
    /// Merkle root and emits `Settled` (NothingToSettle when the event has no record). Deliveries
    /// must be recorded before settling starts: a bid already passed is not revisited.
    /// @return done Whether the settlement is complete.
    function settleBatch(bytes32 eventId, uint256 maxBids) external onlyOperator returns (bool done) {
        if (maxBids == 0) revert EmptyBatch();
        return _settle(eventId, maxBids);
    }

    /// @notice How far an event's settlement in progress has come: the next bid index, records and
    /// fen so far (all 0 before the first batch and once settled).
    function progressOf(bytes32 eventId) external view returns (Progress memory) {
        return _progress[eventId];
    }

    /// @dev A batch's running state, in memory (few stack slots).
    struct Batch {
        uint256 depth;
        uint256 records;
        uint256 totalFen;
    }

    function _settle(bytes32 eventId, uint256 maxBids) private returns (bool done) {
        Settlement storage s = _settlements[eventId];
        if (!s.opened) revert NotOpen(eventId);
        if (s.settled) revert AlreadySettled(eventId);
        Progress storage p = _progress[eventId];
        GridDemandResponse.Event memory e = demandResponse.events(eventId);
        uint256 total = demandResponse.bidCountOf(eventId);
        uint256 end = total - p.next < maxBids ? total : p.next + maxBids;
        // The Merkle frontier in memory for this batch (at most one node per bit of the record count).
        bytes32[] storage kept = _frontier[eventId];
        bytes32[] memory frontier = new bytes32[](256);
        Batch memory b = Batch(kept.length, p.records, p.totalFen);
        for (uint256 i = 0; i < b.depth; i++) frontier[i] = kept[i];
        for (uint256 i = p.next; i < end; i++) _settleBid(e, demandResponse.eventBidAt(eventId, i), frontier, b);
        done = end == total;
        if (!done) {
            p.next = end;
            p.records = b.records;
            p.totalFen = b.totalFen;
            for (uint256 i = 0; i < b.depth; i++) {
                if (i < kept.length) kept[i] = frontier[i];
                else kept.push(frontier[i]);
            }
            while (kept.length > b.depth) kept.pop();
            return false;
        }
        if (b.records == 0) revert NothingToSettle(eventId);
        delete _progress[eventId];
        delete _frontier[eventId];
        s.settled = true;
        bytes32 root = frontier[b.depth - 1];
        for (uint256 i = b.depth - 1; i > 0; i--) root = sha256(abi.encodePacked(bytes1(0x01), frontier[i - 1], root));
        roots[eventId] = root;
        emit Settled(eventId, root, b.records, b.totalFen);
    }

    /// @dev One bid of a batch: its record when it has a delivery, the payee credited, the leaf appended.
    function _settleBid(GridDemandResponse.Event memory e, uint256 n, bytes32[] memory frontier, Batch memory b) private {
        GridDemandResponse.Delivery memory d = demandResponse.deliveries(n);
        if (!d.recorded) return;
        Record memory r = _record(e, n, d.deliveredKwh);
        owed[r.payee] += r.subsidyFen;
        b.totalFen += r.subsidyFen;
        b.depth = _append(frontier, b.depth, b.records, sha256(abi.encodePacked(bytes1(0x00), keccak256(abi.encode(r)))));
        b.records += 1;
        emit Paid(r.eventId, r.bid, r.payee, r.viaMandate, r.payableWh, r.subsidyFen);
    }

    /// @notice The digest an aggregator's claim presentation must be bound to: SHA-256 of the RFC 8785
    /// text of `{"bid","chainId","consumer","event"}` (`consumer` is this contract in lowercase hex).
    /// Equals `termsDigest(chainClaimTerms(…))`.
    function claimTermsDigest(bytes32 eventId, uint256 n) public view returns (bytes32) {
        return sha256(
            abi.encodePacked(
                '{"bid":',
                GridTerms.decimal(n),
                ',"chainId":',
                GridTerms.decimal(block.chainid),
                ',"consumer":"',
                GridTerms.hexAddress(address(this)),
                '","event":"',
                GridTerms.hex32(eventId),
                '"}'
            )
        );
    }

    /// @notice The settlement challenge of an event (zero until opened).
    function challengeOf(bytes32 eventId) external view returns (bytes16) {
        return _settlements[eventId].challenge;
    }

    /// @notice An event's settlement state.
    function settlements(bytes32 eventId) external view returns (Settlement memory) {
        return _settlements[eventId];
    }

    /// @dev The example's rule for one bid with a delivery.
    function _record(GridDemandResponse.Event memory e, uint256 n, uint64 deliveredKwh) private view returns (Record memory r) {
        GridDemandResponse.AcceptedBid memory b = demandResponse.bids(n);
        uint256 committedWh = _divideHalfEven(uint256(b.capacityKw) * (e.end - e.start) * 5, 18); // kW × s / 3.6
        uint256 deliveredWh = uint256(deliveredKwh) * 1000;
        uint256 payableWh = deliveredWh * 2 < committedWh ? 0 : (deliveredWh < committedWh ? deliveredWh : committedWh);
        uint64 priceFen = b.priceFen < e.priceCapFen ? b.priceFen : e.priceCapFen;
        uint256 subsidyFen = _divideHalfEven(payableWh * priceFen, 1000);
        bool viaMandate = claimed[n];
        r = Record({
            eventId: b.eventId,
            bid: n,
            participant: b.subject,
            role: b.role,
            actingFor: b.actingFor,
            payee: viaMandate ? b.subject : b.actingFor,
            viaMandate: viaMandate,
            committedWh: _safe(n, committedWh),
            deliveredKwh: deliveredKwh,
            payableWh: _safe(n, payableWh),
            priceFen: priceFen,
            subsidyFen: _safe(n, subsidyFen)
        });
    }

    /// @dev `num / den` rounded to the nearest integer, ties to the even one.
    function _divideHalfEven(uint256 num, uint256 den) private pure returns (uint256 q) {
        q = num / den;
        uint256 twice = (num % den) * 2;
        if (twice > den || (twice == den && q % 2 == 1)) q += 1;
    }

    /// @dev Amounts stay safe integers, as in the example (its records are JSON numbers).
    function _safe(uint256 n, uint256 value) private pure returns (uint64) {
        if (value > MAX_SAFE_INTEGER) revert AmountTooLarge(n, value);
        return uint64(value);
    }

    /// @dev Appends leaf number `count` (0-based) to an RFC 6962 Merkle frontier: the roots of the
    /// perfect subtrees the leaves so far decompose into, largest first (one per set bit of `count`).
    /// Each trailing set bit of `count` is a full subtree of the new leaf's size to merge with. Folding
    /// the frontier from the right gives the RFC's tree hash (its split at the largest power of two
    /// below the count). Returns the new depth.
    function _append(bytes32[] memory frontier, uint256 depth, uint256 count, bytes32 leaf) private pure returns (uint256) {
        bytes32 node = leaf;
        for (uint256 k = count; k & 1 == 1; k >>= 1) {
            depth -= 1;
            node = sha256(abi.encodePacked(bytes1(0x01), frontier[depth], node));
        }
        frontier[depth] = node;
        return depth + 1;
    }
}
