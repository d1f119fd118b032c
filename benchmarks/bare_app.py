"""The floor of the browser benchmark: the barest Streamlit app (one selectbox, one st.write)."""
import streamlit as st

choice = st.selectbox("Territoire", [f"Territoire {i}" for i in range(120)])
st.write(f"Vous avez choisi : {choice}")
