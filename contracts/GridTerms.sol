// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title did:grid chain terms
/// @notice Rebuilds, byte for byte, the RFC 8785 (JCS) text of the flat terms a presentation used on
/// chain is bound to, so a contract recomputes the binding `termsDigest(terms)` (SHA-256 of those
/// bytes) from the values it received. Chain terms hold only lowercase-hex strings, role names and
/// safe integers, whose JCS forms are plain: a quoted `0x…` string, a quoted name, decimal digits.
/// @dev See spec/did-grid.md, "Role checks on chain", chain terms. All functions are internal (inlined).
library GridTerms {
    bytes16 private constant HEX = "0123456789abcdef";

    /// @notice `0x` and 64 lowercase hex digits of `value`.
    function hex32(bytes32 value) internal pure returns (bytes memory out) {
        out = new bytes(66);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < 32; i++) {
            uint8 b = uint8(value[i]);
            out[2 + 2 * i] = HEX[b >> 4];
            out[3 + 2 * i] = HEX[b & 0x0f];
        }
    }

    /// @notice `0x` and 40 lowercase hex digits of `account` (not EIP-55 checksummed).
    function hexAddress(address account) internal pure returns (bytes memory out) {
        bytes20 value = bytes20(account);
        out = new bytes(42);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < 20; i++) {
            uint8 b = uint8(value[i]);
            out[2 + 2 * i] = HEX[b >> 4];
            out[3 + 2 * i] = HEX[b & 0x0f];
        }
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
}
