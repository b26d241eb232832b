// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title did:grid registry
/// @notice Anchors signed did:grid operations on a consortium EVM chain. The contract stores no
/// document state: it emits each operation once, indexed by its DID (or resource) index key, and
/// keeps just enough bookkeeping for readers to find one key's operations without a wide log scan.
/// Readers re-verify every operation's own signatures: a writer can censor, never forge.
/// @dev See spec/did-grid.md, "EVM registry". Storage per key packs three 64-bit block numbers:
/// first change | change before the last | last change. Storage per (key, operation digest) packs
/// block << 32 | position, so an operation is anchored at most once under its key (re-submitting is
/// harmless), and filing it under a wrong key first cannot stop it from being anchored under its own.
contract GridDidRegistry {
    /// @notice Version of the event and storage layout readers understand.
    uint256 public constant VERSION = 1;
    /// @notice Most operations one `anchor` call accepts.
    uint256 public constant MAX_BATCH = 1000;
    /// @notice Largest operation in bytes (the method's resource limit, 64 KiB).
    uint256 public constant MAX_OPERATION_BYTES = 65536;

    /// @notice Block of the deployment: readers never look below it.
    uint256 public immutable deployedAt;
    /// @notice The account that governs the writer allow-list.
    address public admin;
    /// @notice The account an admin transfer waits for (two-step transfer).
    address public pendingAdmin;
    /// @notice Accounts allowed to anchor operations.
    mapping(address => bool) public isWriter;

    mapping(bytes32 => uint256) private _changes;
    mapping(bytes32 => uint256) private _anchored;
    /// @dev block << 32 | operations anchored so far in that block.
    uint256 private _cursor;

    /// @notice One anchored operation.
    /// @param key SHA-256 index key of the DID or resource (the 32 bytes behind the base32 suffix).
    /// @param digest SHA-256 of the operation bytes (the digest of its CID).
    /// @param previousChange Block of this key's last change before this block; 0 for none.
    /// @param position Position among all operations anchored in this block.
    /// @param time Block timestamp, Unix seconds.
    /// @param operation The canonical operation bytes.
    event Anchored(
        bytes32 indexed key, bytes32 indexed digest, uint64 previousChange, uint32 position, uint64 time, bytes operation
    );
    event WriterAdded(address indexed writer, address indexed by);
    event WriterRemoved(address indexed writer, address indexed by);
    event AdminTransferStarted(address indexed current, address indexed pending);
    event AdminTransferred(address indexed previous, address indexed current);

    error NotAdmin(address caller);
    error NotWriter(address caller);
    error NotPendingAdmin(address caller);
    error ZeroAddress();
    error EmptyBatch();
    error BatchTooLarge(uint256 count, uint256 max);
    error LengthMismatch(uint256 keys, uint256 operations);
    error BadOperationSize(uint256 index, uint256 size);

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @param writers Accounts allowed to anchor from the start; the deployer becomes the admin.
    constructor(address[] memory writers) {
        deployedAt = block.number;
        admin = msg.sender;
        emit AdminTransferred(address(0), msg.sender);
        for (uint256 i = 0; i < writers.length; i++) {
            _addWriter(writers[i]);
        }
    }

    /// @notice Anchors a batch. Operations already anchored under the same key are skipped without an event.
    /// @param keys Index key of each operation (readers check it against the operation itself).
    /// @param operations Canonical operation bytes, 1..MAX_OPERATION_BYTES each.
    /// @return anchored How many operations were new.
    function anchor(bytes32[] calldata keys, bytes[] calldata operations) external returns (uint256 anchored) {
        if (!isWriter[msg.sender]) revert NotWriter(msg.sender);
        uint256 count = operations.length;
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
        if (keys.length != count) revert LengthMismatch(keys.length, count);

        uint256 cursor = _cursor;
        uint256 position = cursor >> 32 == block.number ? uint32(cursor) : 0;
        uint64 here = uint64(block.number);
        for (uint256 i = 0; i < count; i++) {
            bytes calldata op = operations[i];
            if (op.length == 0 || op.length > MAX_OPERATION_BYTES) revert BadOperationSize(i, op.length);
            bytes32 key = keys[i];
            bytes32 digest = sha256(op);
            bytes32 slot = keccak256(abi.encode(key, digest));
            if (_anchored[slot] != 0) continue;
            _anchored[slot] = (block.number << 32) | position;

            uint256 c = _changes[key];
            uint64 previous = uint64(c >> 64);
            if (uint64(c) != here) {
                previous = uint64(c);
                uint64 first = c == 0 ? here : uint64(c >> 128);
                _changes[key] = (uint256(first) << 128) | (uint256(previous) << 64) | here;
            }
            emit Anchored(key, digest, previous, uint32(position), uint64(block.timestamp), op);
            position++;
            anchored++;
        }
        _cursor = (block.number << 32) | position;
    }

    /// @notice Where a key's operations are: its first change, the change before its last, its last change.
    function changes(bytes32 key) external view returns (uint64 first, uint64 previous, uint64 last) {
        uint256 c = _changes[key];
        return (uint64(c >> 128), uint64(c >> 64), uint64(c));
    }

    /// @notice Block and position of each operation (by key and digest); block 0 when not anchored.
    function anchoredAt(bytes32[] calldata keys, bytes32[] calldata digests)
        external
        view
        returns (uint64[] memory blocks, uint32[] memory positions)
    {
        if (keys.length != digests.length) revert LengthMismatch(keys.length, digests.length);
        blocks = new uint64[](digests.length);
        positions = new uint32[](digests.length);
        for (uint256 i = 0; i < digests.length; i++) {
            uint256 a = _anchored[keccak256(abi.encode(keys[i], digests[i]))];
            blocks[i] = uint64(a >> 32);
            positions[i] = uint32(a);
        }
    }

    /// @notice Allows `writer` to anchor. Emits WriterAdded when it was not allowed yet.
    function addWriter(address writer) external onlyAdmin {
        _addWriter(writer);
    }

    /// @notice Stops `writer` from anchoring. Emits WriterRemoved when it was allowed.
    function removeWriter(address writer) external onlyAdmin {
        if (isWriter[writer]) {
            isWriter[writer] = false;
            emit WriterRemoved(writer, msg.sender);
        }
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

    function _addWriter(address writer) private {
        if (writer == address(0)) revert ZeroAddress();
        if (!isWriter[writer]) {
            isWriter[writer] = true;
            emit WriterAdded(writer, msg.sender);
        }
    }
}
