// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title did:grid registry
/// @notice Anchors signed did:grid operations on a consortium EVM chain. The contract stores no
/// document state: it emits each operation, indexed by its DID (or resource) index key, and keeps
/// one storage word per key so readers find that key's operations without a wide log scan.
/// Readers re-verify every operation's own signatures and skip an operation they already applied:
/// a writer can censor, never forge.
/// @dev See spec/did-grid.md, "EVM registry". The word per key packs three 48-bit block numbers and
/// a tag of the key's last operation (the first 112 bits of its keccak256): first change | change
/// before the last | last change | last tag. An operation equal to its key's last one is skipped (a re-sent batch
/// anchors nothing twice) at no storage cost per operation; any other repeat is a duplicate event
/// readers skip. Filing an operation under a wrong key first cannot stop it from being anchored
/// under its own: the skip only looks at the operation's own key.
contract GridDidRegistry {
    /// @notice Version of the event and storage layout readers understand.
    uint256 public constant VERSION = 2;
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

    /// @dev first << 208 | previous << 160 | last << 112 | the last operation's keccak256 >> 144.
    mapping(bytes32 => uint256) private _changes;
    /// @dev block << 32 | operations anchored so far in that block.
    uint256 private _cursor;

    /// @notice topic0 of the log of one anchored operation: keccak256("did:grid Anchored v2"). Its
    /// topic1 is the operation's index key (the 32 bytes behind the DID's or resource's base32
    /// suffix). Its data is not ABI-encoded, to spend no gas on offsets and padding: one word
    /// `previousChange << 96 | position << 64 | time` (the block of this key's last change before this
    /// block or 0, the position among all operations anchored in this block, the block timestamp in
    /// Unix seconds), then the operation's bytes. Readers hash the operation themselves.
    bytes32 public constant ANCHORED = 0x62c527ab0a7fe33eec467f60983581f9531d8449ee97e59bac10b18990ff1c6f;
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

    /// @notice Anchors a batch. An operation equal to the last one anchored under its key is skipped
    /// without an event.
    /// @param keys Index key of each operation (readers check it against the operation itself).
    /// @param operations Canonical operation bytes, 1..MAX_OPERATION_BYTES each.
    /// @return anchored How many operations were anchored.
    function anchor(bytes32[] calldata keys, bytes[] calldata operations) external returns (uint256 anchored) {
        if (!isWriter[msg.sender]) revert NotWriter(msg.sender);
        uint256 count = operations.length;
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
        if (keys.length != count) revert LengthMismatch(keys.length, count);

        uint256 cursor = _cursor;
        uint256 position = cursor >> 32 == block.number ? uint32(cursor) : 0;
        uint256 free;
        assembly {
            free := mload(0x40)
        }
        for (uint256 i = 0; i < count; i++) {
            bytes calldata op = operations[i];
            if (op.length == 0 || op.length > MAX_OPERATION_BYTES) revert BadOperationSize(i, op.length);
            bytes32 key = keys[i];
            // The log's data is built in place: one word, then the operation, which is also what is
            // hashed. Every operation reuses the same memory, so its cost does not grow with the batch.
            uint256 tag;
            assembly ("memory-safe") {
                calldatacopy(add(free, 32), op.offset, op.length)
                tag := shr(144, keccak256(add(free, 32), op.length))
            }
            uint256 c = _changes[key];
            if (uint112(c) == tag) continue;
            // The change before this block: the last change, unless that is this block already.
            uint256 previous = uint48(c >> 112);
            if (previous == block.number) previous = uint48(c >> 160);
            _changes[key] = ((c == 0 ? block.number : c >> 208) << 208) | (previous << 160) | (block.number << 112) | tag;
            uint256 where = (previous << 96) | (position << 64) | block.timestamp;
            assembly ("memory-safe") {
                mstore(free, where)
                log2(free, add(32, op.length), 0x62c527ab0a7fe33eec467f60983581f9531d8449ee97e59bac10b18990ff1c6f, key)
            }
            position++;
            anchored++;
        }
        _cursor = (block.number << 32) | position;
    }

    /// @notice Where a key's operations are: its first change, the change before its last, its last
    /// change, and the first 112 bits of the keccak256 of the last operation anchored under it.
    function changes(bytes32 key) external view returns (uint48 first, uint48 previous, uint48 last, bytes14 lastTag) {
        uint256 c = _changes[key];
        return (uint48(c >> 208), uint48(c >> 160), uint48(c >> 112), bytes14(uint112(c)));
    }

    /// @notice The last change and last tag of each key (as `changes`), in one call.
    function lastChanges(bytes32[] calldata keys) external view returns (uint48[] memory lasts, bytes14[] memory lastTags) {
        lasts = new uint48[](keys.length);
        lastTags = new bytes14[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            uint256 c = _changes[keys[i]];
            lasts[i] = uint48(c >> 112);
            lastTags[i] = bytes14(uint112(c));
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
