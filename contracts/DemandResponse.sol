// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {GridRoleGate} from "./GridRoleGate.sol";
import {GridTerms} from "./GridTerms.sol";

/// @title did:grid demand response (reference consumer of the role gate)
/// @notice The utility (the operator) invites a demand-response event with a bidding window, a
/// response window, a price cap and a challenge; users, aggregators (for users, under a mandate)
/// and production bases bid with a role decision attested by the consortium's attestors
/// (`GridRoleGate`); the utility's metering then records the delivered response of each accepted
/// bid. Only hashes, roles, capacities and prices are on chain: DIDs appear as keccak256 hashes.
/// @dev See spec/did-grid.md, "Role checks on chain". A bid's terms are rebuilt here as their
/// RFC 8785 text and hashed with SHA-256, so they must equal the digest the attestors signed
/// (`a.terms`): a copied attestation cannot carry other terms. The gate is called last.
contract GridDemandResponse {
    /// @notice A bidder's role; the names bound in the terms are "user", "aggregator", "production-base".
    enum Role {
        User,
        Aggregator,
        ProductionBase
    }

    /// @notice An invited event. `bidsCloseAt` is never 0 for an invited event.
    struct Event {
        uint64 invitedAt;
        uint64 bidsCloseAt;
        uint64 start;
        uint64 end;
        uint64 priceCapFen;
        bytes16 challenge;
    }

    /// @notice A bid as submitted: its terms (with the chain id and this contract, they are what the
    /// bidder's presentation is bound to).
    struct Bid {
        bytes32 eventId;
        Role role;
        /// keccak256 of the DID of the user acted for (the bidder's own DID when bidding for itself).
        bytes32 actingFor;
        uint64 capacityKw;
        /// Whole fen per kWh.
        uint64 priceFen;
    }

    /// @notice An accepted bid, as stored (rejected bids revert and leave nothing).
    struct AcceptedBid {
        bytes32 eventId;
        /// keccak256 of the bidder's DID (the attestation's subject).
        bytes32 subject;
        bytes32 actingFor;
        Role role;
        uint64 capacityKw;
        uint64 priceFen;
        /// The ledger height the role decision was taken at.
        uint64 height;
        /// The block time of the bid.
        uint48 time;
    }

    /// @notice The metered response of an accepted bid.
    struct Delivery {
        bool recorded;
        uint64 deliveredKwh;
        uint64 time;
    }

    /// @notice The largest safe integer (2^53 − 1): prices, capacities in watts and amounts stay within it.
    uint256 public constant MAX_SAFE_INTEGER = 2 ** 53 - 1;
    bytes32 private constant USER = keccak256("user");
    bytes32 private constant AGGREGATOR = keccak256("aggregator");
    bytes32 private constant PRODUCTION_BASE = keccak256("production-base");
    bytes32 private constant RESPONSE_BID = keccak256("response.bid");

    /// @notice The role gate whose attested decisions this contract accepts.
    GridRoleGate public immutable gate;
    /// @notice The utility's dispatch account: invites events and records deliveries.
    address public immutable operator;
    /// @notice Bids accepted so far; bid numbers run from 1.
    uint256 public bidCount;

    mapping(bytes32 => Event) private _events;
    mapping(uint256 => AcceptedBid) private _bids;
    mapping(uint256 => Delivery) private _deliveries;
    mapping(bytes32 => uint256[]) private _eventBids;
    /// @notice The accepted bid of each user acted for, per event (0: none).
    mapping(bytes32 => mapping(bytes32 => uint256)) public bidFor;
    /// @notice Capacity in kW of the accepted aggregator bids of each aggregator (subject), per event.
    mapping(bytes32 => mapping(bytes32 => uint256)) public aggregatedKw;

    event Invited(bytes32 indexed eventId, bytes16 challenge, uint64 bidsCloseAt, uint64 start, uint64 end, uint64 priceCapFen);
    event BidAccepted(
        bytes32 indexed eventId, uint256 indexed n, bytes32 indexed subject, bytes32 actingFor, Role role, uint64 capacityKw, uint64 priceFen
    );
    event DeliveryRecorded(uint256 indexed n, uint64 deliveredKwh);

    error NotOperator(address caller);
    error EventExists(bytes32 eventId);
    error BadSchedule(uint256 timestamp, uint64 bidsCloseAt, uint64 start, uint64 end);
    error UnknownEvent(bytes32 eventId);
    error BidWindowClosed(uint256 timestamp, uint64 bidsCloseAt);
    error PriceInvalid(uint64 priceFen);
    error PriceAboveCap(uint64 priceFen, uint64 priceCapFen);
    error CapacityInvalid(uint64 capacityKw);
    error TermsMismatch(bytes32 expected, bytes32 attested);
    error AttestationMismatch(string field);
    error DuplicateBid(bytes32 eventId, bytes32 actingFor);
    error AggregateCapacityExceeded(uint256 totalKw, uint256 licensedKw);
    error NoSuchBid(uint256 n);
    error DeliveryExists(uint256 n);
    error DeliveryInvalid(uint64 deliveredKwh);
    error EventNotOver(uint256 timestamp, uint64 end);

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    /// @param gate_ The `GridRoleGate` to consume; the deployer becomes the operator.
    constructor(address gate_) {
        gate = GridRoleGate(gate_);
        operator = msg.sender;
    }

    /// @notice Invites an event: bids are taken from now until `bidsCloseAt`, the load is shed from
    /// `start` to `end`, and no bid may ask more than `priceCapFen` fen per kWh. The challenge
    /// (emitted, and kept) is the nonce every bid's presentation carries.
    function invite(bytes32 eventId, uint64 bidsCloseAt, uint64 start, uint64 end, uint64 priceCapFen) external onlyOperator {
        if (_events[eventId].bidsCloseAt != 0) revert EventExists(eventId);
        if (!(block.timestamp < bidsCloseAt && bidsCloseAt <= start && start < end)) revert BadSchedule(block.timestamp, bidsCloseAt, start, end);
        if (priceCapFen == 0 || priceCapFen > MAX_SAFE_INTEGER) revert PriceInvalid(priceCapFen);
        bytes16 challenge = bytes16(keccak256(abi.encode(address(this), eventId, block.number, block.timestamp)));
        _events[eventId] = Event(uint64(block.timestamp), bidsCloseAt, start, end, priceCapFen, challenge);
        emit Invited(eventId, challenge, bidsCloseAt, start, end, priceCapFen);
    }

    /// @notice Places a bid under an attested role decision. Checks, in order: the event, the bidding
    /// window, the price, the capacity, the terms' digest, the attestation's fields, a presentation already used (the gate's Replayed), one bid per user
    /// acted for, an aggregator's licensed capacity; then the gate verifies the signatures, the
    /// freshness and replay (its errors bubble up unchanged).
    /// @param b The bid's terms.
    /// @param a The attestation, addressed to this contract (`a.consumer`).
    /// @param signatures At least the gate's threshold of attestor signatures over `a`.
    /// @return n The bid's number.
    function bid(Bid calldata b, GridRoleGate.RoleAttestation calldata a, bytes[] calldata signatures) external returns (uint256 n) {
        Event storage e = _events[b.eventId];
        if (e.bidsCloseAt == 0) revert UnknownEvent(b.eventId);
        if (block.timestamp < e.invitedAt || block.timestamp >= e.bidsCloseAt) revert BidWindowClosed(block.timestamp, e.bidsCloseAt);
        if (b.priceFen == 0 || b.priceFen > MAX_SAFE_INTEGER) revert PriceInvalid(b.priceFen);
        if (b.priceFen > e.priceCapFen) revert PriceAboveCap(b.priceFen, e.priceCapFen);
        if (b.capacityKw == 0 || b.capacityKw > MAX_SAFE_INTEGER / 1000) revert CapacityInvalid(b.capacityKw);
        bytes32 expected = bidTermsDigest(b);
        if (a.terms != expected) revert TermsMismatch(expected, a.terms);
        if (a.role != roleHash(b.role)) revert AttestationMismatch("role");
        if (a.action != RESPONSE_BID) revert AttestationMismatch("action");
        if (a.actingFor != b.actingFor) revert AttestationMismatch("actingFor");
        if (a.capacityW != uint256(b.capacityKw) * 1000) revert AttestationMismatch("capacityW");
        // A resubmitted bid (same presentation, so the same terms and user) is named for what it is
        // before DuplicateBid would hide it; the gate's own check below stays the authority.
        if (gate.used(address(this), a.presentation)) revert GridRoleGate.Replayed(address(this), a.presentation);
        if (bidFor[b.eventId][b.actingFor] != 0) revert DuplicateBid(b.eventId, b.actingFor);
        uint256 totalKw = 0;
        if (b.role == Role.Aggregator) {
            totalKw = aggregatedKw[b.eventId][a.subject] + b.capacityKw;
            if (a.licensedW > 0 && totalKw * 1000 > a.licensedW) revert AggregateCapacityExceeded(totalKw, a.licensedW / 1000);
        }

        // Effects before the gate (checks-effects-interactions): a revert in the gate undoes them.
        if (b.role == Role.Aggregator) aggregatedKw[b.eventId][a.subject] = totalKw;
        n = ++bidCount;
        _bids[n] = AcceptedBid(b.eventId, a.subject, b.actingFor, b.role, b.capacityKw, b.priceFen, a.height, uint48(block.timestamp));
        bidFor[b.eventId][b.actingFor] = n;
        _eventBids[b.eventId].push(n);
        emit BidAccepted(b.eventId, n, a.subject, b.actingFor, b.role, b.capacityKw, b.priceFen);

        gate.verify(a, signatures);
    }

    /// @notice Records the metered response of accepted bid `n`, once, after its event's end.
    function recordDelivery(uint256 n, uint64 deliveredKwh) external onlyOperator {
        if (n == 0 || n > bidCount) revert NoSuchBid(n);
        if (_deliveries[n].recorded) revert DeliveryExists(n);
        uint64 end = _events[_bids[n].eventId].end;
        if (block.timestamp < end) revert EventNotOver(block.timestamp, end);
        if (deliveredKwh > MAX_SAFE_INTEGER) revert DeliveryInvalid(deliveredKwh);
        _deliveries[n] = Delivery(true, deliveredKwh, uint64(block.timestamp));
        emit DeliveryRecorded(n, deliveredKwh);
    }

    /// @notice The digest a bid's presentation must be bound to: SHA-256 of the RFC 8785 text of
    /// `{"actingFor","capacityKw","chainId","consumer","event","priceFen","role"}` (keys in JCS
    /// order; `consumer` is this contract in lowercase hex). Equals `termsDigest(chainBidTerms(…))`.
    function bidTermsDigest(Bid calldata b) public view returns (bytes32) {
        return sha256(
            abi.encodePacked(
                '{"actingFor":"',
                GridTerms.hex32(b.actingFor),
                '","capacityKw":',
                GridTerms.decimal(b.capacityKw),
                ',"chainId":',
                GridTerms.decimal(block.chainid),
                ',"consumer":"',
                GridTerms.hexAddress(address(this)),
                '","event":"',
                GridTerms.hex32(b.eventId),
                '","priceFen":',
                GridTerms.decimal(b.priceFen),
                ',"role":"',
                roleName(b.role),
                '"}'
            )
        );
    }

    /// @notice The role's name as bound in the terms.
    function roleName(Role role) public pure returns (string memory) {
        if (role == Role.User) return "user";
        if (role == Role.Aggregator) return "aggregator";
        return "production-base";
    }

    /// @notice keccak256 of the role's name, as in an attestation's `role`.
    function roleHash(Role role) public pure returns (bytes32) {
        if (role == Role.User) return USER;
        if (role == Role.Aggregator) return AGGREGATOR;
        return PRODUCTION_BASE;
    }

    /// @notice An invited event (all zero when unknown).
    function events(bytes32 eventId) external view returns (Event memory) {
        return _events[eventId];
    }

    /// @notice The nonce of the event's bid presentations (zero when unknown).
    function challengeOf(bytes32 eventId) external view returns (bytes16) {
        return _events[eventId].challenge;
    }

    /// @notice Accepted bid `n` (all zero when there is none).
    function bids(uint256 n) external view returns (AcceptedBid memory) {
        return _bids[n];
    }

    /// @notice The delivery of bid `n` (`recorded` false when none).
    function deliveries(uint256 n) external view returns (Delivery memory) {
        return _deliveries[n];
    }

    /// @notice The accepted bids of an event, in bid order.
    function bidsOf(bytes32 eventId) external view returns (uint256[] memory) {
        return _eventBids[eventId];
    }

    /// @notice How many bids an event accepted (for reading `bidsOf` a page at a time).
    function bidCountOf(bytes32 eventId) external view returns (uint256) {
        return _eventBids[eventId].length;
    }

    /// @notice The number of the event's `i`-th accepted bid (0-based, bid order).
    function eventBidAt(bytes32 eventId, uint256 i) external view returns (uint256) {
        return _eventBids[eventId][i];
    }
}
