import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TransportProvider } from "@connectrpc/connect-query";
import { transport, isUnauthenticated } from "./api/transport.js";
import { clearToken, signInFromFragment } from "./api/session.js";
import { navigate } from "./router.js";
import { App } from "./app.js";
import "./styles.css";

// A revoked or expired token ends the session wherever it is noticed.
function onError(error: unknown): void {
  if (!isUnauthenticated(error)) return;
  clearToken();
  queryClient.clear();
  navigate(`/sign-in?expired=1`, { replace: true });
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      retry: (failures, error) => !isUnauthenticated(error) && failures < 2,
      refetchOnWindowFocus: true,
    },
  },
});

// Before the first render, so that a `#token=…` link opens the dashboard signed in.
signInFromFragment();

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <TransportProvider transport={transport}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </TransportProvider>
  </StrictMode>,
);
