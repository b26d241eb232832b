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

    /// @notice Settles an event: one record per accepted bid with a delivery, in bid order; credits
    /// each payee and stores the records' Merkle root. Reverts NothingToSettle without records.
    function settle(bytes32 eventId) external onlyOperator {
        Settlement storage s = _settlements[eventId];
        if (!s.opened) revert NotOpen(eventId);
        if (s.settled) revert AlreadySettled(eventId);
        s.settled = true;
        GridDemandResponse.Event memory e = demandResponse.events(eventId);
        uint256[] memory numbers = demandResponse.bidsOf(eventId);
        bytes32[] memory leaves = new bytes32[](numbers.length);
        uint256 count = 0;
        uint256 totalFen = 0;
        for (uint256 i = 0; i < numbers.length; i++) {
            GridDemandResponse.Delivery memory d = demandResponse.deliveries(numbers[i]);
            if (!d.recorded) continue;
            Record memory r = _record(e, numbers[i], d.deliveredKwh);
            owed[r.payee] += r.subsidyFen;
            totalFen += r.subsidyFen;
            leaves[count++] = sha256(abi.encodePacked(bytes1(0x00), keccak256(abi.encode(r))));
            emit Paid(eventId, r.bid, r.payee, r.viaMandate, r.payableWh, r.subsidyFen);
        }
        if (count == 0) revert NothingToSettle(eventId);
        bytes32 root = _merkleRoot(leaves, count);
        roots[eventId] = root;
        emit Settled(eventId, root, count, totalFen);
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

    /// @dev RFC 6962 Merkle tree hash over the first `count` leaf hashes, computed bottom-up in place:
    /// pairing neighbours and promoting an odd last node unchanged gives the same root as the RFC's
    /// split at the largest power of two below the count.
    function _merkleRoot(bytes32[] memory level, uint256 count) private pure returns (bytes32) {
        while (count > 1) {
            uint256 next = 0;
            for (uint256 i = 0; i < count; i += 2) {
                level[next++] = i + 1 < count ? sha256(abi.encodePacked(bytes1(0x01), level[i], level[i + 1])) : level[i];
            }
            count = next;
        }
        return level[0];
    }
}
