"""The floor of the browser benchmark: the barest Streamlit app (one selectbox, one st.write); with `?plotly=1`,
the same plus one small Plotly line chart (the floor of a page that draws any chart: Streamlit loads its Plotly
bundle, about 4.7 MB of JavaScript, before drawing it)."""
import plotly.graph_objects as go
import streamlit as st

choice = st.selectbox("Territoire", [f"Territoire {i}" for i in range(120)])
st.write(f"Vous avez choisi : {choice}")
if st.query_params.get("plotly") == "1":
    index = int(choice.split()[-1])
    st.plotly_chart(go.Figure(go.Scatter(x=list(range(24)), y=[(index * 7 + i * 3) % 40 for i in range(24)])))
