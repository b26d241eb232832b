// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title did:grid role gate
/// @notice Lets a consuming contract act on a role decision taken off chain by grid-did attestors.
/// Each attestor follows the chain through its own index, runs the deterministic role check at a
/// finalized height and signs an EIP-712 `RoleAttestation`; the gate accepts a decision signed by at
/// least `threshold` distinct registered attestors, taken at most `maxAge` blocks ago, not expired,
/// and whose presentation the consumer has not used before. Only hashes, roles, capacities and
/// heights reach the chain: never the credentials or the personal data behind them.
/// @dev See spec/did-grid.md, "Role checks on chain". Signers are counted once each by keeping the
/// ones already counted in a memory list (no ordering is asked of the caller); the list is at most
/// as long as the signature array, which the caller pays for.
contract GridRoleGate {
    /// @notice One role decision, as signed by the attestors (EIP-712 struct `RoleAttestation`).
    struct RoleAttestation {
        address consumer;
        bytes32 subject;
        bytes32 actingFor;
        bytes32 role;
        bytes32 action;
        uint256 capacityW;
        uint256 licensedW;
        bytes32 terms;
        bytes32 presentation;
        uint64 height;
        uint64 expiry;
    }

    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "RoleAttestation(address consumer,bytes32 subject,bytes32 actingFor,bytes32 role,bytes32 action,uint256 capacityW,uint256 licensedW,bytes32 terms,bytes32 presentation,uint64 height,uint64 expiry)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("GridRoleGate");
    bytes32 private constant VERSION_HASH = keccak256("1");
    /// @dev Largest `s` of a canonical secp256k1 signature (secp256k1n / 2): higher values are malleable copies.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice The account that governs the attestor set, the threshold and the freshness bound.
    address public admin;
    /// @notice The account an admin transfer waits for (two-step transfer).
    address public pendingAdmin;
    /// @notice Registered attestors.
    mapping(address => bool) public isAttestor;
    /// @notice How many attestors are registered.
    uint256 public attestorCount;
    /// @notice Distinct registered attestors a decision needs.
    uint256 public threshold;
    /// @notice Most blocks between the decision's height and the block that uses it.
    uint64 public maxAge;
    /// @notice Presentations already accepted, per consumer.
    mapping(address => mapping(bytes32 => bool)) public used;

    event RoleAttested(
        address indexed consumer,
        bytes32 indexed presentation,
        bytes32 indexed subject,
        bytes32 role,
        bytes32 action,
        uint64 height
    );
    event AttestorAdded(address indexed attestor, address indexed by);
    event AttestorRemoved(address indexed attestor, address indexed by);
    event ThresholdSet(uint256 threshold, address indexed by);
    event MaxAgeSet(uint64 maxAge, address indexed by);
    event AdminTransferStarted(address indexed current, address indexed pending);
    event AdminTransferred(address indexed previous, address indexed current);

    error NotAdmin(address caller);
    error NotPendingAdmin(address caller);
    error ZeroAddress();
    error BadThreshold(uint256 threshold, uint256 attestors);
    error BadMaxAge();
    error WrongConsumer(address caller, address consumer);
    error HeightAhead(uint64 height, uint256 blockNumber);
    error TooOld(uint64 height, uint256 blockNumber, uint64 maxAge);
    error Expired(uint64 expiry, uint256 timestamp);
    error Replayed(address consumer, bytes32 presentation);
    error NotEnoughSignatures(uint256 have, uint256 need);
    error BadSignature(uint256 index);

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @param attestors The initial attestor set; the deployer becomes the admin.
    /// @param threshold_ Distinct attestors a decision needs (1 <= threshold_ <= attestor count).
    /// @param maxAge_ Most blocks a decision may lag the block that uses it (> 0).
    constructor(address[] memory attestors, uint256 threshold_, uint64 maxAge_) {
        admin = msg.sender;
        emit AdminTransferred(address(0), msg.sender);
        for (uint256 i = 0; i < attestors.length; i++) {
            _addAttestor(attestors[i]);
        }
        _setThreshold(threshold_);
        _setMaxAge(maxAge_);
    }

    /// @notice Accepts a role decision for the calling consumer and marks its presentation used.
    /// Reverts unless msg.sender is `a.consumer`, the decision is fresh and unexpired, the presentation
    /// is new for this consumer, and at least `threshold` distinct registered attestors signed it.
    /// @param a The attestation.
    /// @param signatures 65-byte signatures (r | s | v, v 27 or 28, low s), in any order.
    function verify(RoleAttestation calldata a, bytes[] calldata signatures) external {
        if (msg.sender != a.consumer) revert WrongConsumer(msg.sender, a.consumer);
        if (a.height > block.number) revert HeightAhead(a.height, block.number);
        if (block.number - a.height > maxAge) revert TooOld(a.height, block.number, maxAge);
        if (block.timestamp > a.expiry) revert Expired(a.expiry, block.timestamp);
        if (used[a.consumer][a.presentation]) revert Replayed(a.consumer, a.presentation);
        uint256 have = _count(a, signatures);
        if (have < threshold) revert NotEnoughSignatures(have, threshold);
        used[a.consumer][a.presentation] = true;
        emit RoleAttested(a.consumer, a.presentation, a.subject, a.role, a.action, a.height);
    }

    /// @notice Counts the distinct registered attestors that signed `a`, without checking freshness,
    /// the consumer or replay and without marking anything. Reverts BadSignature on a malformed signature.
    function check(RoleAttestation calldata a, bytes[] calldata signatures) external view returns (uint256) {
        return _count(a, signatures);
    }

    /// @notice The EIP-712 domain separator (name "GridRoleGate", version "1", this chain, this contract).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice The EIP-712 digest the attestors sign for `a`.
    function hashAttestation(RoleAttestation calldata a) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(ATTESTATION_TYPEHASH, a));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @notice Registers `attestor`. Emits AttestorAdded when it was not registered yet.
    function addAttestor(address attestor) external onlyAdmin {
        _addAttestor(attestor);
    }

    /// @notice Unregisters `attestor`. Emits AttestorRemoved when it was registered. Reverts
    /// BadThreshold when fewer attestors than the threshold would remain (lower the threshold first).
    function removeAttestor(address attestor) external onlyAdmin {
        if (isAttestor[attestor]) {
            if (attestorCount - 1 < threshold) revert BadThreshold(threshold, attestorCount - 1);
            isAttestor[attestor] = false;
            attestorCount -= 1;
            emit AttestorRemoved(attestor, msg.sender);
        }
    }

    /// @notice Sets how many distinct attestors a decision needs (1 <= k <= attestor count).
    function setThreshold(uint256 k) external onlyAdmin {
        _setThreshold(k);
    }

    /// @notice Sets the freshness bound in blocks (> 0): it bounds how late a revocation can be noticed.
    function setMaxAge(uint64 blocks) external onlyAdmin {
        _setMaxAge(blocks);
    }

    /// @notice Starts handing the admin role to `next`, who must call acceptAdmin.
    function transferAdmin(address next) external onlyAdmin {
        if (next == address(0)) revert ZeroAddress();
        pendingAdmin = next;
        emit AdminTransferStarted(msg.sender, next);
    }

    /// @notice Completes an admin transfer.
    function acceptAdmin() external {
        if (msg.sender != pendingAdmin) revert NotPendingAdmin(msg.sender);
        emit AdminTransferred(admin, msg.sender);
        admin = msg.sender;
        pendingAdmin = address(0);
    }

    function _count(RoleAttestation calldata a, bytes[] calldata signatures) private view returns (uint256 have) {
        bytes32 digest = hashAttestation(a);
        address[] memory counted = new address[](signatures.length);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = _recover(digest, signatures[i], i);
            if (!isAttestor[signer]) continue;
            bool seen = false;
            for (uint256 j = 0; j < have; j++) {
                if (counted[j] == signer) {
                    seen = true;
                    break;
                }
            }
            if (!seen) {
                counted[have] = signer;
                have += 1;
            }
        }
    }

    function _recover(bytes32 digest, bytes calldata signature, uint256 index) private pure returns (address signer) {
        if (signature.length != 65) revert BadSignature(index);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) revert BadSignature(index);
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert BadSignature(index);
    }

    function _addAttestor(address attestor) private {
        if (attestor == address(0)) revert ZeroAddress();
        if (!isAttestor[attestor]) {
            isAttestor[attestor] = true;
            attestorCount += 1;
            emit AttestorAdded(attestor, msg.sender);
        }
    }

    function _setThreshold(uint256 k) private {
        if (k == 0 || k > attestorCount) revert BadThreshold(k, attestorCount);
        threshold = k;
        emit ThresholdSet(k, msg.sender);
    }

    function _setMaxAge(uint64 blocks) private {
        if (blocks == 0) revert BadMaxAge();
        maxAge = blocks;
        emit MaxAgeSet(blocks, msg.sender);
    }
}
