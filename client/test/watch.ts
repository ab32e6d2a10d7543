import type { ApolloClient, OperationVariables, TypedDocumentNode } from "@apollo/client";
import { firstValueFrom } from "rxjs";
import { filter } from "rxjs/operators";

/** Watches a query as a page would (the latest data it shows); resolves once the server has answered. */
export async function watch<T, V extends OperationVariables>(client: ApolloClient, query: TypedDocumentNode<T, V>, variables: NoInfer<V>) {
  const observable = client.watchQuery<T, V>({ query, variables } as ApolloClient.WatchQueryOptions<T, V>);
  let latest: T | undefined;
  const subscription = observable.subscribe((result) => (latest = result.data as T | undefined));
  const { error } = await firstValueFrom(observable.pipe(filter((result) => result.dataState === "complete" || Boolean(result.error))));
  if (error) throw error;
  return { query: observable, latest: () => latest, stop: () => subscription.unsubscribe() };
}
