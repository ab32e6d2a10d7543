import { useMutation, useQuery, useSubscription } from "@apollo/client/react";
import * as Operations from "./graphql";
export function useAccountsQuery(options?: useQuery.Options<Operations.AccountsQuery, Operations.AccountsQueryVariables>) {
  return useQuery(Operations.AccountsDocument, options);
}

export function useAccountQuery(options: useQuery.Options<Operations.AccountQuery, Operations.AccountQueryVariables>) {
  return useQuery(Operations.AccountDocument, options);
}

export function usePayeeByNumberQuery(options: useQuery.Options<Operations.PayeeByNumberQuery, Operations.PayeeByNumberQueryVariables>) {
  return useQuery(Operations.PayeeByNumberDocument, options);
}

export function useOpenAccountMutation(options?: useMutation.Options<Operations.OpenAccountMutation, Operations.OpenAccountMutationVariables>) {
  return useMutation(Operations.OpenAccountDocument, options);
}

export function useUpdateAccountMutation(options?: useMutation.Options<Operations.UpdateAccountMutation, Operations.UpdateAccountMutationVariables>) {
  return useMutation(Operations.UpdateAccountDocument, options);
}

export function useCloseAccountMutation(options?: useMutation.Options<Operations.CloseAccountMutation, Operations.CloseAccountMutationVariables>) {
  return useMutation(Operations.CloseAccountDocument, options);
}

export function useAuthorizeHoldMutation(options?: useMutation.Options<Operations.AuthorizeHoldMutation, Operations.AuthorizeHoldMutationVariables>) {
  return useMutation(Operations.AuthorizeHoldDocument, options);
}

export function useCaptureHoldMutation(options?: useMutation.Options<Operations.CaptureHoldMutation, Operations.CaptureHoldMutationVariables>) {
  return useMutation(Operations.CaptureHoldDocument, options);
}

export function useVoidHoldMutation(options?: useMutation.Options<Operations.VoidHoldMutation, Operations.VoidHoldMutationVariables>) {
  return useMutation(Operations.VoidHoldDocument, options);
}

export function useAccountHoldsQuery(options: useQuery.Options<Operations.AccountHoldsQuery, Operations.AccountHoldsQueryVariables>) {
  return useQuery(Operations.AccountHoldsDocument, options);
}

export function useHoldByIdQuery(options: useQuery.Options<Operations.HoldByIdQuery, Operations.HoldByIdQueryVariables>) {
  return useQuery(Operations.HoldByIdDocument, options);
}

export function useCreditMutation(options?: useMutation.Options<Operations.CreditMutation, Operations.CreditMutationVariables>) {
  return useMutation(Operations.CreditDocument, options);
}

export function useDebitMutation(options?: useMutation.Options<Operations.DebitMutation, Operations.DebitMutationVariables>) {
  return useMutation(Operations.DebitDocument, options);
}

export function useTransferMutation(options?: useMutation.Options<Operations.TransferMutation, Operations.TransferMutationVariables>) {
  return useMutation(Operations.TransferDocument, options);
}

export function useReverseTransactionMutation(options?: useMutation.Options<Operations.ReverseTransactionMutation, Operations.ReverseTransactionMutationVariables>) {
  return useMutation(Operations.ReverseTransactionDocument, options);
}

export function useAccountActivitySubscription(options: useSubscription.Options<Operations.AccountActivitySubscription, Operations.AccountActivitySubscriptionVariables>) {
  return useSubscription(Operations.AccountActivityDocument, options);
}

export function useAccountUpdatedSubscription(options: useSubscription.Options<Operations.AccountUpdatedSubscription, Operations.AccountUpdatedSubscriptionVariables>) {
  return useSubscription(Operations.AccountUpdatedDocument, options);
}
