// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title did:grid chain terms
/// @notice Rebuilds, byte for byte, the RFC 8785 (JCS) text of the flat terms a presentation used on
/// chain is bound to, so a contract recomputes the binding `termsDigest(terms)` (SHA-256 of those
/// bytes) from the values it received. Chain terms hold only lowercase-hex strings, role names and
/// safe integers, whose JCS forms are plain: a quoted `0x…` string, a quoted name, decimal digits.
/// @dev See spec/did-grid.md, "Role checks on chain", chain terms. All functions are internal (inlined).
library GridTerms {
    /// @notice `0x` and 64 lowercase hex digits of `value`.
    function hex32(bytes32 value) internal pure returns (bytes memory) {
        return abi.encodePacked("0x", _hex16(bytes16(value)), _hex16(bytes16(value << 128)));
    }

    /// @notice `0x` and 40 lowercase hex digits of `account` (not EIP-55 checksummed).
    function hexAddress(address account) internal pure returns (bytes memory) {
        bytes20 value = bytes20(account);
        return abi.encodePacked("0x", _hex16(bytes16(value)), bytes8(_hex16(bytes16(value << 128))));
    }

    /// @notice The decimal digits of `value` (its JCS form when it is a safe integer).
    function decimal(uint256 value) internal pure returns (bytes memory out) {
        if (value == 0) return "0";
        uint256 digits = 0;
        for (uint256 v = value; v != 0; v /= 10) digits++;
        out = new bytes(digits);
        for (uint256 i = digits; i > 0; i--) {
            out[i - 1] = bytes1(uint8(48 + (value % 10)));
            value /= 10;
        }
    }

    /// @dev The 32 lowercase hex digits of 16 bytes, without a loop: the nibbles are spread one per
    /// byte by halving masks, then each becomes '0'…'9' (0x30 + n) or 'a'…'f' (0x30 + n + 39).
    function _hex16(bytes16 data) private pure returns (bytes32 r) {
        r = (bytes32(data) & 0xFFFFFFFFFFFFFFFF000000000000000000000000000000000000000000000000)
            | ((bytes32(data) & 0x0000000000000000FFFFFFFFFFFFFFFF00000000000000000000000000000000) >> 64);
        r = (r & 0xFFFFFFFF000000000000000000000000FFFFFFFF000000000000000000000000)
            | ((r & 0x00000000FFFFFFFF000000000000000000000000FFFFFFFF0000000000000000) >> 32);
        r = (r & 0xFFFF000000000000FFFF000000000000FFFF000000000000FFFF000000000000)
            | ((r & 0x0000FFFF000000000000FFFF000000000000FFFF000000000000FFFF00000000) >> 16);
        r = (r & 0xFF000000FF000000FF000000FF000000FF000000FF000000FF000000FF000000)
            | ((r & 0x00FF000000FF000000FF000000FF000000FF000000FF000000FF000000FF0000) >> 8);
        r = ((r & 0xF000F000F000F000F000F000F000F000F000F000F000F000F000F000F000F000) >> 4)
            | ((r & 0x0F000F000F000F000F000F000F000F000F000F000F000F000F000F000F000F00) >> 8);
        uint256 n = uint256(r);
        // A nibble of 10 or more carries into bit 4 once 6 is added: those bytes get 39 more.
        r = bytes32(0x3030303030303030303030303030303030303030303030303030303030303030 + n
            + (((n + 0x0606060606060606060606060606060606060606060606060606060606060606) >> 4)
                & 0x0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F) * 39);
    }
}
