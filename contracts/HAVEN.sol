// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";

/**
 * @title HAVEN loyalty token
 * @notice ERC-20 (18 decimals) minted when partner apps reward their users and burned when
 * users redeem. Supply changes only through the HAVEN backend's hot wallet, which holds the
 * minter and burner roles; every change carries the business reason in its event so the
 * chain alone explains why supply moved.
 */
contract HAVEN is ERC20, ERC20Pausable, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Bounds one batch so a single transaction stays well under the block gas limit.
    uint256 public constant MAX_BATCH_SIZE = 100;

    event Minted(address indexed to, uint256 amount, string reason);
    event Burned(address indexed from, uint256 amount, string reason);

    error ZeroAdmin();
    error ZeroAmount();
    error BatchLengthMismatch(uint256 recipients, uint256 amounts);
    error BatchSizeOutOfRange(uint256 size, uint256 maxSize);

    constructor(address admin) ERC20("HAVEN", "HAVEN") {
        if (admin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mints `amount` (in wei, 18 decimals) to `to`; `reason` is recorded in `Minted`.
    function mint(address to, uint256 amount, string calldata reason) external onlyRole(MINTER_ROLE) {
        _mintWithReason(to, amount, reason);
    }

    /**
     * @notice Mints to up to MAX_BATCH_SIZE recipients in one transaction, one `Minted` event
     * each, all with the same `reason`. Reverts as a whole if any entry is invalid.
     */
    function batchMint(address[] calldata recipients, uint256[] calldata amounts, string calldata reason)
        external
        onlyRole(MINTER_ROLE)
    {
        uint256 size = recipients.length;
        if (size != amounts.length) revert BatchLengthMismatch(size, amounts.length);
        if (size == 0 || size > MAX_BATCH_SIZE) revert BatchSizeOutOfRange(size, MAX_BATCH_SIZE);
        for (uint256 i = 0; i < size; ++i) {
            _mintWithReason(recipients[i], amounts[i], reason);
        }
    }

    /**
     * @notice Burns `amount` from `from` without an allowance.
     * @dev Deliberately bypasses ERC-20 allowances: HAVEN wallets are custodial, so the backend
     * redeems on its users' behalf and they never sign an approval. The burner role is
     * therefore as sensitive as the minter role and belongs only to the backend's hot wallet.
     */
    function burnFrom(address from, uint256 amount, string calldata reason) external onlyRole(BURNER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _burn(from, amount);
        emit Burned(from, amount, reason);
    }

    /// @notice Stops every balance change (transfers, mints, burns) until `unpause`.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _mintWithReason(address to, uint256 amount, string calldata reason) private {
        if (amount == 0) revert ZeroAmount();
        _mint(to, amount);
        emit Minted(to, amount, reason);
    }

    // Both parents define `_update`; ERC20Pausable's version adds the `whenNotPaused` check.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Pausable) {
        super._update(from, to, value);
    }
}
