
      export interface PossibleTypesResultData {
        possibleTypes: {
          [key: string]: string[]
        }
      }
      const result: PossibleTypesResultData = {
  "possibleTypes": {
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
      "BalanceLimitExceeded",
      "BalanceNotZero",
      "CurrencyMismatch",
      "EntryNotBalanced",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "ReferenceTaken",
      "TransactionNotFound",
      "ValidationFailed",
      "VersionConflict"
    ]
  }
};
      export default result;
    