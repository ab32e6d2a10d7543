
      export interface PossibleTypesResultData {
        possibleTypes: {
          [key: string]: string[]
        }
      }
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "AuthorizeHoldResult": [
      "AccountNotActive",
      "AccountNotFound",
      "CurrencyMismatch",
      "HoldSuccess",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "ReferenceTaken",
      "ValidationFailed",
      "VersionConflict"
    ],
    "CaptureHoldResult": [
      "AccountNotActive",
      "AmountExceedsHold",
      "BalanceLimitExceeded",
      "CaptureHoldSuccess",
      "HoldExpired",
      "HoldNotFound",
      "HoldNotPending",
      "IdempotencyKeyReused",
      "ReferenceTaken",
      "ValidationFailed"
    ],
    "CloseAccountResult": [
      "AccountNotActive",
      "AccountNotFound",
      "BalanceNotZero",
      "CloseAccountSuccess",
      "VersionConflict"
    ],
    "CreditResult": [
      "AccountNotActive",
      "AccountNotFound",
      "BalanceLimitExceeded",
      "IdempotencyKeyReused",
      "PostingSuccess",
      "ReferenceTaken",
      "ValidationFailed",
      "VersionConflict"
    ],
    "DebitResult": [
      "AccountNotActive",
      "AccountNotFound",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "PostingSuccess",
      "ReferenceTaken",
      "ValidationFailed",
      "VersionConflict"
    ],
    "OpenAccountResult": [
      "AccountNumberTaken",
      "IdempotencyKeyReused",
      "OpenAccountSuccess",
      "ValidationFailed"
    ],
    "PostJournalEntryResult": [
      "AccountNotActive",
      "AccountNotFound",
      "BalanceLimitExceeded",
      "CurrencyMismatch",
      "EntryNotBalanced",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "PostJournalEntrySuccess",
      "ReferenceTaken",
      "ValidationFailed",
      "VersionConflict"
    ],
    "ReverseTransactionResult": [
      "AccountNotActive",
      "AlreadyReversed",
      "BalanceLimitExceeded",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "ReverseTransactionSuccess",
      "TransactionNotFound",
      "ValidationFailed"
    ],
    "TransferResult": [
      "AccountNotActive",
      "AccountNotFound",
      "BalanceLimitExceeded",
      "CurrencyMismatch",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "ReferenceTaken",
      "TransferSuccess",
      "ValidationFailed",
      "VersionConflict"
    ],
    "UpdateAccountResult": [
      "AccountNotActive",
      "AccountNotFound",
      "UpdateAccountSuccess",
      "ValidationFailed",
      "VersionConflict"
    ],
    "UpdateTransactionResult": [
      "TransactionNotFound",
      "UpdateTransactionSuccess",
      "ValidationFailed"
    ],
    "UserError": [
      "AccountNotActive",
      "AccountNotFound",
      "AccountNumberTaken",
      "AlreadyReversed",
      "AmountExceedsHold",
      "BalanceLimitExceeded",
      "BalanceNotZero",
      "CurrencyMismatch",
      "EntryNotBalanced",
      "HoldExpired",
      "HoldNotFound",
      "HoldNotPending",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "ReferenceTaken",
      "TransactionNotFound",
      "ValidationFailed",
      "VersionConflict"
    ],
    "VoidHoldResult": [
      "HoldExpired",
      "HoldNotFound",
      "HoldNotPending",
      "HoldSuccess",
      "IdempotencyKeyReused",
      "ValidationFailed"
    ]
  }
};
      export default result;
    