import { Component, type ReactNode } from "react";

/**
 * A screen that failed to render or to load (a chunk after a new deployment, say) shows a way out instead of a
 * blank page. Words come from the caller, already translated (a class component has no hooks).
 */
export class ErrorBoundary extends Component<{ message: string; action: string; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <main className="center">
        <div className="not-found">
          <p role="alert">{this.props.message}</p>
          <button type="button" className="button button--primary" onClick={() => location.reload()}>
            {this.props.action}
          </button>
        </div>
      </main>
    );
  }
}
