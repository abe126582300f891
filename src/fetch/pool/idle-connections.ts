import type { Connection } from './pooled-request';
import type { BudgetMember, SocketBudget } from './socket-budget';

/**
 * One origin pool's idle kept-alive connections: a stack (the most recently freed
 * goes out first, so surplus connections age out by the keep-alive timeout), each
 * also registered with the engine's {@link SocketBudget}, which may ask the pool to
 * close it for another host. `connection.idle` says whether it is in here.
 */
export class IdleConnections {
  readonly #stack: Connection[] = [];
  readonly #budget: SocketBudget<Connection>;
  readonly #owner: BudgetMember<Connection>;

  constructor(budget: SocketBudget<Connection>, owner: BudgetMember<Connection>) {
    this.#budget = budget;
    this.#owner = owner;
  }

  /** `connection` has nothing to do now. */
  push(connection: Connection): void {
    connection.idle = true;
    this.#stack.push(connection);
    this.#budget.idle(connection, this.#owner);
  }

  /** The most recently freed connection, taken out, or undefined. */
  pop(): Connection | undefined {
    const connection = this.#stack.pop();
    if (connection !== undefined) this.#take(connection);
    return connection;
  }

  /** Takes `connection` out (it closed, or is being closed); false when it was not idle. */
  remove(connection: Connection): boolean {
    if (!connection.idle) return false;
    this.#stack.splice(this.#stack.lastIndexOf(connection), 1);
    this.#take(connection);
    return true;
  }

  #take(connection: Connection): void {
    connection.idle = false;
    this.#budget.busy(connection);
  }
}
